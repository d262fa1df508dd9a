namespace AgentCoherence.ModelChecking.Explorer;

/// <summary>One step of the model: an agent's operation on an artifact, a heartbeat, a tick of the clock or a sweep.</summary>
/// <param name="Kind">What the step does.</param>
/// <param name="Agent">The acting agent's index (a1 is 0), or -1 for Tick and Sweep.</param>
/// <param name="Artifact">The artifact's index (art0 is 0), or -1 when the step has none.</param>
/// <param name="Expected">The expected version of CommitCas and DeleteCas, else -1.</param>
internal readonly record struct ModelOperation(ModelOperationKind Kind, int Agent = -1, int Artifact = -1, long Expected = -1)
{
    public static ModelOperation Tick { get; } = new(ModelOperationKind.Tick);

    public static ModelOperation Sweep { get; } = new(ModelOperationKind.Sweep);

    /// <summary>True for the steps that may create a version: Commit, CommitCas, Delete, DeleteCas.</summary>
    public bool IsWrite => Kind is ModelOperationKind.Commit or ModelOperationKind.CommitCas or ModelOperationKind.Delete or ModelOperationKind.DeleteCas;

    /// <summary>True for the optimistic writes, judged by their expected version.</summary>
    public bool IsCas => Kind is ModelOperationKind.CommitCas or ModelOperationKind.DeleteCas;

    public static string AgentName(int agent) => $"a{agent + 1}";

    public static string ArtifactName(int artifact) => $"art{artifact}";

    /// <summary>The step as a counterexample prints it, e.g. <c>a1 CommitCas art0 expected=1</c>.</summary>
    public override string ToString() => Kind switch
    {
        ModelOperationKind.Tick or ModelOperationKind.Sweep => Kind.ToString(),
        ModelOperationKind.Heartbeat => $"{AgentName(Agent)} Heartbeat",
        ModelOperationKind.CommitCas or ModelOperationKind.DeleteCas => $"{AgentName(Agent)} {Kind} {ArtifactName(Artifact)} expected={Expected}",
        _ => $"{AgentName(Agent)} {Kind} {ArtifactName(Artifact)}",
    };
}

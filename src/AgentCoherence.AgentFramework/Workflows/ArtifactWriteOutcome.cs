namespace AgentCoherence.AgentFramework.Workflows;

/// <summary>
/// The outcome of <see cref="CoherentWorkflowContextExtensions.TryWriteArtifactAsync"/>: the committed view, or the
/// refusal (the artifact moved since this executor read it) with the version it is at now.
/// </summary>
public sealed class ArtifactWriteOutcome
{
    private ArtifactWriteOutcome(ArtifactView? view, Refusal? refusal)
    {
        View = view;
        Refusal = refusal;
    }

    /// <summary>True when the write committed.</summary>
    public bool Committed => View is not null;

    /// <summary>The committed version; <see langword="null"/> when refused.</summary>
    public ArtifactView? View { get; }

    /// <summary>Why the write was refused (reason, current version); <see langword="null"/> when it committed.</summary>
    public Refusal? Refusal { get; }

    internal static ArtifactWriteOutcome Of(ArtifactView view) => new(view, null);

    internal static ArtifactWriteOutcome Of(Refusal refusal) => new(null, refusal);
}

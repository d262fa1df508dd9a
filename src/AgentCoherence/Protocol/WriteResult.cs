namespace AgentCoherence.Protocol;

/// <summary>The outcome of Acquire, Commit, CommitCas or Delete.</summary>
/// <param name="Refusal">Null on success.</param>
/// <param name="Version">The artifact's version after the step (current version on refusal).</param>
/// <param name="Signals">The invalidations the step produced, to publish on the bus.</param>
public readonly record struct WriteResult(Refusal? Refusal, long Version, IReadOnlyList<InvalidationSignal> Signals)
{
    /// <summary>True when the step succeeded.</summary>
    public bool Succeeded => Refusal is null;
}

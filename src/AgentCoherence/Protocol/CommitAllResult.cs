namespace AgentCoherence.Protocol;

/// <summary>The outcome of CommitAll: every member landed, or none did and the refusals say why.</summary>
/// <param name="Refusals">Per member, in order: null for members that passed their checks.</param>
/// <param name="Versions">Per member, in order: the new version when committed, else the current version.</param>
/// <param name="Signals">The invalidations, all produced after the whole batch landed.</param>
public sealed record CommitAllResult(IReadOnlyList<Refusal?> Refusals, IReadOnlyList<long> Versions, IReadOnlyList<InvalidationSignal> Signals)
{
    /// <summary>True when every member landed.</summary>
    public bool Committed => Refusals.All(r => r is null);
}

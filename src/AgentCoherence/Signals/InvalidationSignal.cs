namespace AgentCoherence;

/// <summary>
/// A hint that a recipient's view of an artifact is out of date. Delivered at most once per recipient
/// by the client (duplicates and older versions are dropped), safe in any order. Correctness never
/// depends on it: commit-time checks are the guard.
/// </summary>
/// <param name="Key">The artifact.</param>
/// <param name="NewVersion">The artifact's version after the event.</param>
/// <param name="Issuer">Who caused it: the committing agent, or <see cref="AgentId.Sweeper"/>.</param>
/// <param name="Kind">Commit, delete or reclaim.</param>
/// <param name="Recipient">The agent whose view the event invalidated.</param>
public sealed record InvalidationSignal(ArtifactKey Key, long NewVersion, AgentId Issuer, SignalKind Kind, AgentId Recipient)
{
    /// <summary>
    /// The compact text an orchestrator injects into a model's context, for example
    /// <c>[coherence] plans/plan.md → v7 by reviewer</c>. See <see cref="SignalText"/> for the token bound.
    /// </summary>
    public string ToCompactText() => SignalText.Format(this);
}

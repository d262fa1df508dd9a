using AgentCoherence.Signals;

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
/// <param name="OwnerEpoch">The artifact's owner epoch after the event. A signal is identified by key, kind,
/// version and epoch, so a second reclaim at the same version is not a duplicate.</param>
public sealed record InvalidationSignal(ArtifactKey Key, long NewVersion, AgentId Issuer, SignalKind Kind, AgentId Recipient, long OwnerEpoch = 0)
{
    /// <summary>
    /// The compact text an orchestrator injects into a model's context, for example
    /// <c>[coherence] plans/plan.md → v7 by reviewer</c>. See <see cref="SignalText"/> for the token bound.
    /// </summary>
    public string ToCompactText() => SignalText.Format(this);
}

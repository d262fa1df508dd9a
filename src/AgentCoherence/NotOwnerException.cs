namespace AgentCoherence;

/// <summary>The caller holds no grant: never acquired, lost it, or crash recovery reclaimed it.</summary>
public sealed class NotOwnerException : CoherenceException
{
    internal NotOwnerException(Refusal refusal)
        : base(refusal, refusal.Reclaim is { } reclaim
            ? $"{refusal.Agent} does not hold the grant on '{refusal.Key}': it was {reclaim}. Re-read and acquire again."
            : $"{refusal.Agent} does not hold the grant on '{refusal.Key}'. Acquire it first.")
    {
    }

    /// <summary>The reclamation that took the grant away, if that is what happened.</summary>
    public ReclaimInfo? Reclaim => Refusal.Reclaim;

    /// <inheritdoc />
    public override bool IsRetryable => false;

    /// <inheritdoc />
    public override string Advice => "acquire the artifact before committing (re-read first if the grant was reclaimed)";
}

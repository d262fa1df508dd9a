namespace AgentCoherence;

/// <summary>
/// The caller's read epoch predates a reclamation of a grant on the artifact: it is (or acts on behalf
/// of) a zombie writer. Refused until the agent itself re-reads.
/// </summary>
public sealed class StaleEpochException : CoherenceException
{
    internal StaleEpochException(Refusal refusal)
        : base(refusal, $"Stale epoch on '{refusal.Key}': {refusal.Agent} read under epoch {refusal.ReadEpoch} but the owner epoch is {refusal.OwnerEpoch}"
            + (refusal.Reclaim is { } reclaim ? $" (its grant was {reclaim})" : string.Empty)
            + ". Re-read before writing again.")
    {
    }

    /// <summary>The epoch the caller captured at its last read or acquire.</summary>
    public long ReadEpoch => Refusal.ReadEpoch ?? 0;

    /// <summary>The artifact's current owner epoch.</summary>
    public long OwnerEpoch => Refusal.OwnerEpoch;

    /// <summary>The reclamation of the caller's own grant, if that is what moved the epoch.</summary>
    public ReclaimInfo? Reclaim => Refusal.Reclaim;

    /// <inheritdoc />
    public override string Advice => "re-read the artifact (your earlier work may be based on a version others have moved past), then retry";
}

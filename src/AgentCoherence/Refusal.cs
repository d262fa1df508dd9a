namespace AgentCoherence;

/// <summary>
/// A store's typed "no": the reason and everything a caller needs to recover. Stores return it as a
/// value; the client turns it into the matching exception with <see cref="ToException"/>.
/// </summary>
/// <param name="Reason">Why the operation was refused.</param>
/// <param name="Key">The artifact concerned.</param>
/// <param name="CurrentVersion">The artifact's version when the store refused.</param>
public sealed record Refusal(RefusalReason Reason, ArtifactKey Key, long CurrentVersion)
{
    /// <summary>The version the caller saw or expected, where that applies.</summary>
    public long? CallerVersion { get; init; }

    /// <summary>The agent holding the grant (<see cref="RefusalReason.HeldByOther"/>).</summary>
    public AgentId? Holder { get; init; }

    /// <summary>When <see cref="Holder"/> was granted.</summary>
    public DateTimeOffset? HolderSince { get; init; }

    /// <summary>The caller's read epoch (<see cref="RefusalReason.StaleEpoch"/>).</summary>
    public long? ReadEpoch { get; init; }

    /// <summary>The artifact's owner epoch.</summary>
    public long OwnerEpoch { get; init; }

    /// <summary>The last reclamation of the caller's grant, if there was one.</summary>
    public ReclaimInfo? Reclaim { get; init; }

    /// <summary>True when the artifact's current version is a tombstone.</summary>
    public bool IsTombstone { get; init; }

    /// <summary>The agent that was refused.</summary>
    public AgentId? Agent { get; init; }

    /// <summary>True when retrying (after a re-read, or after a wait) can succeed.</summary>
    public bool IsRetryable => Reason is RefusalReason.HeldByOther or RefusalReason.VersionConflict or RefusalReason.StaleEpoch or RefusalReason.StaleView;

    /// <summary>The exception that reports this refusal.</summary>
    public CoherenceException ToException() => Reason switch
    {
        RefusalReason.StaleView => new StaleViewException(this),
        RefusalReason.HeldByOther => new HeldByOtherException(this),
        RefusalReason.NotOwner => new NotOwnerException(this),
        RefusalReason.VersionConflict => new VersionConflictException(this),
        RefusalReason.StaleEpoch => new StaleEpochException(this),
        RefusalReason.NotFound => new ArtifactNotFoundException(this),
        RefusalReason.ExpectedVersionAhead => new ExpectedVersionAheadException(this),
        RefusalReason.UnknownAgent => new UnknownAgentException(this),
        _ => throw new InvalidOperationException($"Unknown refusal reason {Reason}."),
    };
}

namespace AgentCoherence;

/// <summary>
/// Base of every refusal the protocol can produce. Catch a subtype to recover; inspect
/// <see cref="IsRetryable"/> and <see cref="Refusal"/> for the data.
/// </summary>
public abstract class CoherenceException : Exception
{
    /// <summary>Creates the exception from a store's refusal.</summary>
    protected CoherenceException(Refusal refusal, string message, Exception? inner = null)
        : base(message, inner)
    {
        Refusal = refusal;
    }

    /// <summary>The store's refusal, with all its data.</summary>
    public Refusal Refusal { get; }

    /// <summary>The reason code.</summary>
    public RefusalReason Reason => Refusal.Reason;

    /// <summary>The artifact concerned.</summary>
    public ArtifactKey Key => Refusal.Key;

    /// <summary>The artifact's version when the store refused.</summary>
    public long CurrentVersion => Refusal.CurrentVersion;

    /// <summary>True when retrying (after a re-read, or a wait) can succeed.</summary>
    public virtual bool IsRetryable => Refusal.IsRetryable;

    /// <summary>What the caller should do next, in a sentence an agent can act on.</summary>
    public abstract string Advice { get; }
}

/// <summary>The caller's view is not current (state I, or an older version): re-read, re-derive, then write again.</summary>
public sealed class StaleViewException : CoherenceException
{
    internal StaleViewException(Refusal refusal)
        : base(refusal, $"Stale view of '{refusal.Key}': {refusal.Agent} last saw v{refusal.CallerVersion ?? 0} but the current version is v{refusal.CurrentVersion}. Reacquire (re-read) and re-derive before writing.")
    {
    }

    /// <summary>The version the agent last observed (0 if it never read the artifact).</summary>
    public long SeenVersion => Refusal.CallerVersion ?? 0;

    /// <inheritdoc />
    public override string Advice => "re-read the artifact, re-derive your change from the current version, then write again";
}

/// <summary>Another agent holds the write grant. Retryable: wait and try again.</summary>
public sealed class HeldByOtherException : CoherenceException
{
    internal HeldByOtherException(Refusal refusal)
        : base(refusal, $"'{refusal.Key}' is held by {refusal.Holder} since {refusal.HolderSince:O}; retry after it releases or the sweep reclaims it.")
    {
    }

    /// <summary>The agent holding the grant.</summary>
    public AgentId Holder => Refusal.Holder ?? default;

    /// <summary>When the holder was granted.</summary>
    public DateTimeOffset? HolderSince => Refusal.HolderSince;

    /// <inheritdoc />
    public override string Advice => "wait for the holder to release, then retry";
}

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

/// <summary>A compare-and-set lost: the artifact moved past the expected version. Retryable after a re-read.</summary>
public sealed class VersionConflictException : CoherenceException
{
    internal VersionConflictException(Refusal refusal)
        : base(refusal, $"Version conflict on '{refusal.Key}': expected v{refusal.CallerVersion} but the current version is v{refusal.CurrentVersion}. Re-read, merge and retry.")
    {
    }

    /// <summary>The version the caller expected.</summary>
    public long ExpectedVersion => Refusal.CallerVersion ?? 0;

    /// <inheritdoc />
    public override string Advice => "re-read the current version, merge your change into it, and retry";
}

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

/// <summary>The artifact does not exist, or its current version is a delete (tombstone).</summary>
public sealed class ArtifactNotFoundException : CoherenceException
{
    internal ArtifactNotFoundException(Refusal refusal)
        : base(refusal, refusal.IsTombstone
            ? $"'{refusal.Key}' was deleted (tombstone v{refusal.CurrentVersion}); re-create it with a compare-and-set against v{refusal.CurrentVersion}."
            : $"'{refusal.Key}' does not exist.")
    {
    }

    /// <summary>The tombstone's version, or 0 when the artifact never existed; pass it as the expected version to re-create.</summary>
    public long TombstoneVersion => Refusal.CurrentVersion;

    /// <inheritdoc />
    public override bool IsRetryable => false;

    /// <inheritdoc />
    public override string Advice => $"create the artifact with a compare-and-set against v{Refusal.CurrentVersion}";
}

/// <summary>The expected version is newer than the artifact's current version: the caller invented a version. Not retryable.</summary>
public sealed class ExpectedVersionAheadException : CoherenceException
{
    internal ExpectedVersionAheadException(Refusal refusal)
        : base(refusal, $"Expected version v{refusal.CallerVersion} of '{refusal.Key}' is ahead of the current version v{refusal.CurrentVersion}; expected versions must come from a read.")
    {
    }

    /// <inheritdoc />
    public override bool IsRetryable => false;

    /// <inheritdoc />
    public override string Advice => "pass a version you read; 0 creates an artifact that never existed";
}

/// <summary>The agent is not registered with the store: it never started, or it left (Forget).</summary>
public sealed class UnknownAgentException : CoherenceException
{
    internal UnknownAgentException(Refusal refusal)
        : base(refusal, $"Agent '{refusal.Agent}' is not registered with the directory store (never started, or it left).")
    {
    }

    /// <inheritdoc />
    public override bool IsRetryable => false;

    /// <inheritdoc />
    public override string Advice => "register the agent (create it through CoherenceClient.Agent) before using it";
}

/// <summary>An optimistic update lost every attempt it was allowed.</summary>
public sealed class CasRetriesExhaustedException : CoherenceException
{
    internal CasRetriesExhaustedException(Refusal last, int attempts, CoherenceException inner)
        : base(last, $"Gave up updating '{last.Key}' after {attempts} attempts; the last version seen was v{last.CurrentVersion} ({last.Reason}).", inner)
    {
        Attempts = attempts;
    }

    /// <summary>How many compare-and-set attempts were made.</summary>
    public int Attempts { get; }

    /// <summary>The last version the updater saw.</summary>
    public long LastVersion => Refusal.CurrentVersion;

    /// <inheritdoc />
    public override bool IsRetryable => true;

    /// <inheritdoc />
    public override string Advice => "the artifact is heavily contended: retry later or raise the retry limit";
}

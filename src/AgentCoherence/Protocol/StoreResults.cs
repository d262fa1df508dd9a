namespace AgentCoherence;

/// <summary>The outcome of a Read.</summary>
public sealed class ReadResult
{
    /// <summary>Null when the artifact was read; NotFound (carrying a tombstone's version) or UnknownAgent otherwise.</summary>
    public Refusal? Refusal { get; init; }

    /// <summary>The artifact's current version (a tombstone's version when deleted, 0 when it never existed).</summary>
    public long Version { get; init; }

    /// <summary>The artifact's owner epoch when it was read (the reader's read epoch from now on).</summary>
    public long OwnerEpoch { get; init; }

    /// <summary>False when the caller passed the current version as known, so no content moved.</summary>
    public bool ContentIncluded { get; init; }

    /// <summary>The committed bytes, when included and held by the store.</summary>
    public byte[]? Content { get; init; }

    /// <summary>SHA-256 hex of the content.</summary>
    public string? ContentHash { get; init; }

    /// <summary>The content's size in tokens.</summary>
    public int SizeTokens { get; init; }

    /// <summary>Who committed the version.</summary>
    public AgentId? LastWriter { get; init; }

    /// <summary>When the version was committed.</summary>
    public DateTimeOffset? CommittedAt { get; init; }
}

/// <summary>The outcome of Acquire, Commit, CommitCas or Delete.</summary>
/// <param name="Refusal">Null on success.</param>
/// <param name="Version">The artifact's version after the step (current version on refusal).</param>
/// <param name="Signals">The invalidations the step produced, to publish on the bus.</param>
public readonly record struct WriteResult(Refusal? Refusal, long Version, IReadOnlyList<InvalidationSignal> Signals)
{
    /// <summary>True when the step succeeded.</summary>
    public bool Succeeded => Refusal is null;
}

/// <summary>One member of an atomic multi-artifact publish.</summary>
/// <param name="Key">The artifact.</param>
/// <param name="Content">The content to commit.</param>
/// <param name="ExpectedVersion">The version the content was derived from (0 creates).</param>
public sealed record BatchMember(ArtifactKey Key, ContentPayload Content, long ExpectedVersion);

/// <summary>The outcome of CommitAll: every member landed, or none did and the refusals say why.</summary>
/// <param name="Refusals">Per member, in order: null for members that passed their checks.</param>
/// <param name="Versions">Per member, in order: the new version when committed, else the current version.</param>
/// <param name="Signals">The invalidations, all produced after the whole batch landed.</param>
public sealed record CommitAllResult(IReadOnlyList<Refusal?> Refusals, IReadOnlyList<long> Versions, IReadOnlyList<InvalidationSignal> Signals)
{
    /// <summary>True when every member landed.</summary>
    public bool Committed => Refusals.All(r => r is null);
}

/// <summary>One grant taken away by the sweep.</summary>
/// <param name="Key">The artifact.</param>
/// <param name="Agent">The former holder.</param>
/// <param name="Info">Trigger, time and the new epoch.</param>
public sealed record Reclamation(ArtifactKey Key, AgentId Agent, ReclaimInfo Info);

/// <summary>What one sweep did.</summary>
/// <param name="Reclaimed">The grants taken away.</param>
/// <param name="PrunedEntries">How many S/I entries of long-silent agents were dropped.</param>
/// <param name="Signals">Reclaim signals for the former holders.</param>
public sealed record SweepResult(IReadOnlyList<Reclamation> Reclaimed, int PrunedEntries, IReadOnlyList<InvalidationSignal> Signals);

using System.Text.Json.Serialization;

namespace AgentCoherence.Recording;

/// <summary>
/// One line of a recording: one operation at the client's store boundary (each attempt of a retried write
/// is its own line, with the same <see cref="OperationId"/>), a read served from the local cache, or an
/// invalidation delivered to an agent. Properties that do not apply to an operation are null and left out
/// of the line. See docs/recording.md for the schema.
/// </summary>
public sealed record RecordingEntry
{
    /// <summary>The line's number in its process's recording, from 1, increasing across rotated files.</summary>
    public long Seq { get; init; }

    /// <summary>What was recorded.</summary>
    public required RecordingOperation Op { get; init; }

    /// <summary>The acting agent; the recipient for <see cref="RecordingOperation.SignalDelivered"/>; null for a sweep.</summary>
    public string? Agent { get; init; }

    /// <summary>The artifact's store key (<see cref="ArtifactKey.StoreKey"/>); null for agent-wide operations and batches.</summary>
    public string? Key { get; init; }

    /// <summary>When the call started, from the client's <see cref="TimeProvider"/>.</summary>
    public DateTimeOffset Started { get; init; }

    /// <summary>When its reply (or failure) came back, from the same clock.</summary>
    public DateTimeOffset Completed { get; init; }

    /// <summary>How it ended.</summary>
    public RecordingOutcome Outcome { get; init; }

    /// <summary>The write's operation id: every attempt of one write carries the same id.</summary>
    public string? OperationId { get; init; }

    /// <summary>The expected version of a CAS write or delete.</summary>
    public long? Expected { get; init; }

    /// <summary>The version a read said it already had (a re-validation moves no content when it is current).</summary>
    public long? Known { get; init; }

    /// <summary>The version of the agent's own view the operation was based on, when the client knew one (what a cache hit served; what a write was computed from).</summary>
    public long? View { get; init; }

    /// <summary>The version a read returned or a write produced; the current version when refused; the signalled version for a delivered signal.</summary>
    public long? Version { get; init; }

    /// <summary>The caller's read epoch, when the store reported it (a StaleEpoch refusal).</summary>
    public long? ReadEpoch { get; init; }

    /// <summary>The artifact's owner epoch as the store reported it.</summary>
    public long? OwnerEpoch { get; init; }

    /// <summary>Why the store refused it.</summary>
    public RefusalReason? Reason { get; init; }

    /// <summary>The grant holder named by a HeldByOther refusal.</summary>
    public string? Holder { get; init; }

    /// <summary>The caller's version named by a refusal (VersionConflict, StaleView, ExpectedVersionAhead).</summary>
    public long? CallerVersion { get; init; }

    /// <summary>For a read: whether content moved (false for a re-validation that found the view current).</summary>
    public bool? ContentIncluded { get; init; }

    /// <summary>True when a read found a tombstone (a deleted artifact).</summary>
    public bool? Tombstone { get; init; }

    /// <summary>Hex SHA-256 of the content written or read.</summary>
    public string? Hash { get; init; }

    /// <summary>Content size in bytes.</summary>
    public long? Size { get; init; }

    /// <summary>Content size in tokens (the client's token counter).</summary>
    public int? Tokens { get; init; }

    /// <summary>The content, base64; only when the recording includes content.</summary>
    public string? Content { get; init; }

    /// <summary>The invalidations a write or sweep produced (reclaims are signals of kind Reclaim).</summary>
    public IReadOnlyList<RecordingSignal>? Signals { get; init; }

    /// <summary>The members of a <see cref="RecordingOperation.CommitAll"/>.</summary>
    public IReadOnlyList<RecordingMember>? Members { get; init; }

    /// <summary>Release: whether the agent held the grant. Forget: whether the agent was registered.</summary>
    public bool? Found { get; init; }

    /// <summary>For a delivered signal: who issued it.</summary>
    public string? Issuer { get; init; }

    /// <summary>For a delivered signal: its kind.</summary>
    public SignalKind? SignalKind { get; init; }

    /// <summary>For a sweep: the heartbeat timeout it used.</summary>
    public TimeSpan? HeartbeatTimeout { get; init; }

    /// <summary>For a sweep: the maximum hold it used.</summary>
    public TimeSpan? MaxHold { get; init; }

    /// <summary>For a sweep: after how long silent agents' S/I entries were pruned (null: never).</summary>
    public TimeSpan? PruneSilentAfter { get; init; }

    /// <summary>For a sweep: how many silent agents' entries it pruned.</summary>
    public int? Pruned { get; init; }

    /// <summary>For a failed call: the failure's type and message.</summary>
    public string? Error { get; init; }

    /// <summary>For a <see cref="RecordingOperation.Gap"/>: how many lines the recorder dropped there.</summary>
    public long? Dropped { get; init; }

    /// <summary>The recording process this line came from (its header's <see cref="RecordingHeader.Process"/>); set when read, not written.</summary>
    [JsonIgnore]
    public string? Process { get; init; }

    /// <summary>The file this line was read from; set when read, not written.</summary>
    [JsonIgnore]
    public string? File { get; init; }

    /// <summary>The line number in <see cref="File"/> (from 1); set when read, not written.</summary>
    [JsonIgnore]
    public int Line { get; init; }

    /// <summary>Where the line came from, for messages: <c>file:line</c>.</summary>
    [JsonIgnore]
    public string Source => File is null ? $"line {Line}" : $"{File}:{Line}";
}

namespace AgentCoherence.Recording;

/// <summary>
/// Where a replayed recording stops agreeing with the protocol: an invariant broken, or a recorded outcome the
/// rules do not give in any order consistent with real time.
/// </summary>
public sealed record ReplayDivergence
{
    /// <summary>The entry's position in the merged recording, from 1.</summary>
    public required int Step { get; init; }

    /// <summary>The entry (its <see cref="RecordingEntry.Source"/> names the file and line).</summary>
    public required RecordingEntry Entry { get; init; }

    /// <summary>
    /// What failed: an invariant's name (UniqueVersion, ContiguousVersions, NoStaleApply, NoDoubleApply, SingleWriter,
    /// ViewCurrent, MonotonicVersion, ReclaimedHolder, HitFromView, DeliveredWasSent), Outcome when the recorded
    /// outcome is not the rules' one, or Order when the search ran out of its step budget.
    /// </summary>
    public required string Check { get; init; }

    /// <summary>What the rules give (or the invariant requires), in words.</summary>
    public string? Expected { get; init; }

    /// <summary>What the recording says.</summary>
    public string? Recorded { get; init; }

    /// <summary>One sentence explaining the divergence.</summary>
    public required string Message { get; init; }

    /// <summary>The few entries replayed just before it (in the order replay applied them), oldest first.</summary>
    public IReadOnlyList<RecordingEntry> Context { get; init; } = [];

    /// <summary>For an ordering failure: the entries that could go next where the search got stuck.</summary>
    public IReadOnlyList<RecordingEntry> Stuck { get; init; } = [];

    /// <summary>Where the entry came from, for messages: <c>file:line</c>.</summary>
    public string Source => Entry.Source;
}

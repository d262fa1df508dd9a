namespace AgentCoherence.Recording;

/// <summary>What <see cref="RecordingReplay.Check"/> found.</summary>
public sealed record ReplayReport
{
    /// <summary>True when every outcome matched the rules in some real-time order and no invariant broke.</summary>
    public bool Clean => Divergences.Count == 0;

    /// <summary>The earliest divergence (lowest step), or null when clean.</summary>
    public ReplayDivergence? FirstDivergence => Divergences.Count == 0 ? null : Divergences[0];

    /// <summary>Every divergence found, by step: at most one per artifact for outcomes, one per broken recording-level invariant instance.</summary>
    public required IReadOnlyList<ReplayDivergence> Divergences { get; init; }

    /// <summary>
    /// False when the recording has a <see cref="RecordingOperation.Gap"/>: lines were dropped, so only the entries before
    /// <see cref="FirstGap"/> were checked. <see cref="Clean"/> then speaks for that part only.
    /// </summary>
    public bool Complete => FirstGap is null;

    /// <summary>The first gap line in merged order (its <see cref="RecordingEntry.Source"/> names file and line, its <see cref="RecordingEntry.Dropped"/> the lines lost there); null when the recording is complete.</summary>
    public RecordingEntry? FirstGap { get; init; }

    /// <summary>How many gap lines the recording has.</summary>
    public int Gaps { get; init; }

    /// <summary>How many lines the recorder dropped, over every gap.</summary>
    public long DroppedLines { get; init; }

    /// <summary>How many entries were not checked: the first gap and everything after it.</summary>
    public int Unchecked { get; init; }

    /// <summary>How many entries the recording holds (checked or not).</summary>
    public int Entries { get; init; }

    /// <summary>How many of them are store operations, re-applied through the rules.</summary>
    public int StoreOperations { get; init; }

    /// <summary>How many artifact partitions were searched independently (operations on different artifacts commute).</summary>
    public int Partitions { get; init; }

    /// <summary>How many steps the order search applied in all, backtracking included.</summary>
    public long SearchSteps { get; init; }

    /// <summary>How many operations replay applied in an order other than the recording's (overlapping in time).</summary>
    public int Reordered { get; init; }

    /// <summary>How many attempts with an unknown or unavailable outcome replay found had taken effect.</summary>
    public int UncertainApplied { get; init; }

    /// <summary>Observe mode's deliberate stale applies (Override entries): checked with the override rule, not reported as NoStaleApply.</summary>
    public int Overrides { get; init; }

    /// <summary>Cache hits checked (each served a version its agent had read or written).</summary>
    public int CacheHits { get; init; }

    /// <summary>Delivered signals checked (each matches a signal a write or sweep produced).</summary>
    public int SignalsDelivered { get; init; }

    /// <summary>Things replay could not check exactly, in words (e.g. pruning it could not reproduce).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}

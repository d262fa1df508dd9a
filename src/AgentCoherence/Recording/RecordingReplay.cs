using AgentCoherence.Internal;

namespace AgentCoherence.Recording;

/// <summary>
/// Invariant replay: re-applies a recording's store operations through <see cref="Protocol.CoherenceRules.Default"/>
/// on a fresh <see cref="Protocol.DirectoryState"/>, in an order consistent with real time, and checks that every
/// recorded outcome is the rules' outcome, that the protocol's invariants hold after every step, and the
/// recording-level invariants (UniqueVersion, ContiguousVersions, NoStaleApply, NoDoubleApply). A recording with a
/// <see cref="RecordingOperation.Gap"/> (lines the recorder dropped) is checked up to its first gap only; the report
/// names the gap (<see cref="ReplayReport.FirstGap"/>). See docs/replay.md.
/// </summary>
public static class RecordingReplay
{
    /// <summary>How many steps the order search may apply (backtracking included) before it gives up.</summary>
    public const int DefaultStepBudget = 1_000_000;

    /// <summary>Replays entries merged by time (as <see cref="RecordingReader.ReadMergedAsync"/> returns them).</summary>
    /// <param name="entries">The recording's entries, in merged order.</param>
    /// <param name="stepBudget">The order search's budget; when it runs out the report says the order could not be found.</param>
    /// <returns>
    /// The report: clean, or the divergences with the first one's step, source and context; for a recording with a gap,
    /// the report of the entries before the first gap, which it names.
    /// </returns>
    /// <exception cref="RecordingFormatException">An entry lacks what its operation needs (an agent, a key, an expected version), naming its line.</exception>
    public static ReplayReport Check(IReadOnlyList<RecordingEntry> entries, int stepBudget = DefaultStepBudget)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (stepBudget < 1)
        {
            throw new CoherenceArgumentException(nameof(stepBudget), "stepBudget must be at least 1.");
        }

        // Past a gap the state is unknown (the dropped lines may hold writes), so only what came before it is checked.
        var first = -1;
        var gaps = 0;
        long dropped = 0;
        for (var i = 0; i < entries.Count; i++)
        {
            if (entries[i] is { Op: RecordingOperation.Gap } gap)
            {
                first = first < 0 ? i : first;
                gaps++;
                dropped += gap.Dropped ?? 0;
            }
        }

        if (first < 0)
        {
            return new ReplayEngine(entries, stepBudget, ReplayChecks.All).Run();
        }

        var checkedPart = entries.Take(first).ToList();
        var report = new ReplayEngine(checkedPart, stepBudget, ReplayChecks.All).Run();
        return report with
        {
            Entries = entries.Count,
            FirstGap = entries[first],
            Gaps = gaps,
            DroppedLines = dropped,
            Unchecked = entries.Count - first,
        };
    }

    /// <summary>Reads the files (a directory stands for its <c>*.jsonl</c> files), merges them by time and replays them.</summary>
    /// <exception cref="RecordingFormatException">A file is missing or has a truncated or garbage line (named).</exception>
    /// <exception cref="UnsupportedRecordingSchemaException">A file declares a newer schema version.</exception>
    public static async Task<ReplayReport> CheckFilesAsync(IEnumerable<string> paths, CancellationToken cancellationToken = default)
    {
        var entries = await RecordingReader.ReadMergedAsync(paths, cancellationToken).ConfigureAwait(false);
        return Check(entries);
    }
}

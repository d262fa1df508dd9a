using AgentCoherence.Internal;

namespace AgentCoherence.Recording;

/// <summary>
/// Invariant replay: re-applies a recording's store operations through <see cref="Protocol.CoherenceRules.Default"/>
/// on a fresh <see cref="Protocol.DirectoryState"/>, in an order consistent with real time, and checks that every
/// recorded outcome is the rules' outcome, that the protocol's invariants hold after every step, and the
/// recording-level invariants (UniqueVersion, ContiguousVersions, NoStaleApply, NoDoubleApply). See docs/replay.md.
/// </summary>
public static class RecordingReplay
{
    /// <summary>How many steps the order search may apply (backtracking included) before it gives up.</summary>
    public const int DefaultStepBudget = 1_000_000;

    /// <summary>Replays entries merged by time (as <see cref="RecordingReader.ReadMergedAsync"/> returns them).</summary>
    /// <param name="entries">The recording's entries, in merged order.</param>
    /// <param name="stepBudget">The order search's budget; when it runs out the report says the order could not be found.</param>
    /// <returns>The report: clean, or the divergences with the first one's step, source and context.</returns>
    /// <exception cref="RecordingFormatException">An entry lacks what its operation needs (an agent, a key, an expected version), naming its line.</exception>
    public static ReplayReport Check(IReadOnlyList<RecordingEntry> entries, int stepBudget = DefaultStepBudget)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (stepBudget < 1)
        {
            throw new CoherenceArgumentException(nameof(stepBudget), "stepBudget must be at least 1.");
        }

        return new ReplayEngine(entries, stepBudget, ReplayChecks.All).Run();
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

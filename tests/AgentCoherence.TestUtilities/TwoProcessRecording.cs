using AgentCoherence.Recording;
using Xunit;

namespace AgentCoherence.Testing;

/// <summary>
/// Two worker processes running the contended recording workload (tests/Shared/ContendedRecordingWorkload.cs) against
/// one shared store, each recording into the same directory: how to run them, and what they must leave there.
/// </summary>
public static class TwoProcessRecording
{
    /// <summary>The workload's counter, as the recording names it.</summary>
    public const string CounterKey = "default:counter";

    /// <summary>
    /// Waits until every worker has read the counter (<c>READ v0</c>), releases them all at once so their first
    /// compare-and-sets duel from the same version, and waits for each to exit cleanly. Disposes the workers.
    /// </summary>
    public static async Task RunAsync(IReadOnlyList<WorkerProcess> workers, TimeSpan patience)
    {
        try
        {
            foreach (var worker in workers)
            {
                Assert.Equal("READ v0", await worker.WaitForLine("READ", patience));
            }

            foreach (var worker in workers)
            {
                worker.SendLine("go");
            }

            Assert.Single(await Task.WhenAll(workers.Select(w => w.WaitForLine("DUEL", patience))), line => line == "DUEL won");
            foreach (var worker in workers)
            {
                Assert.True(await worker.WaitForExit(patience) == 0, worker.Transcript);
            }
        }
        finally
        {
            foreach (var worker in workers)
            {
                worker.Dispose();
            }
        }
    }

    /// <summary>
    /// Reads the directory and checks both processes' files and their merge, then replays the merged recording: it must
    /// be clean, and it must hold the conflicts the processes caused each other (at least the first duel's).
    /// </summary>
    /// <returns>The merged lines and the replay's report.</returns>
    public static async Task<(IReadOnlyList<RecordingEntry> Merged, ReplayReport Replay)> AssertMergedAsync(string directory, int count, params string[] agents)
    {
        var files = RecordingReader.Expand([directory]);
        Assert.Equal(agents.Length, files.Count);
        var headers = new List<RecordingHeader>();
        foreach (var file in files)
        {
            headers.Add((await RecordingReader.ReadFileAsync(file)).Header);
        }

        Assert.Equal(agents.Length, headers.Select(h => h.Process).Distinct().Count());
        var merged = await RecordingReader.ReadMergedAsync([directory]);
        bool LandedIncrement(RecordingEntry e) => e.Op == RecordingOperation.CommitCas && e.Key == CounterKey && e.Outcome == RecordingOutcome.Ok;
        foreach (var agent in agents)
        {
            var own = merged.Where(e => e.Agent == agent).ToList();
            Assert.Single(own.Select(e => e.Process).Distinct());
            Assert.Equal(count, own.Count(LandedIncrement));
            Assert.Contains(own, e => e.Op == RecordingOperation.Forget);
        }

        // Merged by time, and every landed increment is one version of the shared counter.
        Assert.Equal(merged.OrderBy(e => e.Started).ThenBy(e => e.Completed).Select(e => e.Started), merged.Select(e => e.Started));
        var landed = merged.Where(LandedIncrement).Select(e => e.Version!.Value).Order().ToList();
        Assert.Equal(Enumerable.Range(1, count * agents.Length).Select(i => (long)i), landed);

        // The whole run replays clean through the protocol's rules, across both processes' files.
        var report = RecordingReplay.Check(merged);
        Assert.True(report.Clean, report.FirstDivergence is { } d ? $"{d.Source} step {d.Step}: {d.Check}: {d.Message} (expected {d.Expected}, recorded {d.Recorded})" : null);
        var conflicts = merged.Where(e => e.Key == CounterKey && e.Reason == RefusalReason.VersionConflict).ToList();
        Assert.True(conflicts.Count >= 1, "the first duel's loser conflicted");
        Assert.Contains(merged, e => e.Op == RecordingOperation.Commit && e.Key == "default:board.md" && e.Outcome == RecordingOutcome.Ok);
        return (merged, report);
    }

    /// <summary>One line for the test's output: what the merged recording held and what replay did with it.</summary>
    public static string Describe(IReadOnlyList<RecordingEntry> merged, ReplayReport report)
    {
        var refusals = merged.Where(e => e.Outcome == RecordingOutcome.Refused && e.Reason is not null)
            .GroupBy(e => e.Reason!.Value).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}");
        var processes = merged.Where(e => e.Process is not null).GroupBy(e => e.Process!).ToDictionary(g => g.Key, g => g.Where(e => e.Key is not null && e.Op is not (RecordingOperation.CacheHit or RecordingOperation.SignalDelivered)).ToList());
        var crossOverlaps = 0;
        var calls = processes.Values.SelectMany(c => c).OrderBy(e => e.Started).ToList();
        for (var i = 0; i < calls.Count; i++)
        {
            for (var j = i + 1; j < calls.Count && calls[j].Started < calls[i].Completed; j++)
            {
                if (calls[j].Key == calls[i].Key && calls[j].Process != calls[i].Process)
                {
                    crossOverlaps++;
                }
            }
        }

        return $"{merged.Count} lines merged; replay clean: {report.StoreOperations} store operations, {report.SearchSteps} search steps, {report.Reordered} reordered, {report.CacheHits} cache hits; refusals: {string.Join(", ", refusals)}; {crossOverlaps} overlapping pairs of calls on one key from different processes";
    }
}

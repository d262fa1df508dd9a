using AgentCoherence.Recording;
using Xunit;

namespace AgentCoherence.Testing;

/// <summary>
/// What two worker processes that each recorded <c>count</c> increments of one counter into the same directory must
/// leave there: one recording per process, merged by time, with every operation of both.
/// </summary>
public static class TwoProcessRecording
{
    /// <summary>Reads the directory and checks both processes' files and their merge.</summary>
    /// <returns>The merged lines.</returns>
    public static async Task<IReadOnlyList<RecordingEntry>> AssertMergedAsync(string directory, int count, params string[] agents)
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
        foreach (var agent in agents)
        {
            var own = merged.Where(e => e.Agent == agent).ToList();
            Assert.Single(own.Select(e => e.Process).Distinct());
            Assert.Equal(count, own.Count(e => e.Op == RecordingOperation.CommitCas && e.Outcome == RecordingOutcome.Ok));
            Assert.Contains(own, e => e.Op == RecordingOperation.Forget);
        }

        // Merged by time, and every landed increment is one version of the shared counter.
        Assert.Equal(merged.OrderBy(e => e.Started).ThenBy(e => e.Completed).Select(e => e.Started), merged.Select(e => e.Started));
        var landed = merged.Where(e => e.Op == RecordingOperation.CommitCas && e.Outcome == RecordingOutcome.Ok).Select(e => e.Version!.Value).Order().ToList();
        Assert.Equal(Enumerable.Range(1, count * agents.Length).Select(i => (long)i), landed);
        return merged;
    }
}

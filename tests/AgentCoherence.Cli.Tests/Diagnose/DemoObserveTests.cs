using AgentCoherence.Cli.Diagnose;
using AgentCoherence.Recording;
using AgentCoherence.Testing;

namespace AgentCoherence.Cli.Tests.Diagnose;

/// <summary><c>coherence demo --observe</c> through the command line: the uncoordinated story in observe mode, recorded, diagnosed.</summary>
public sealed class DemoObserveTests : IDisposable
{
    private readonly TempDirectory _directory = new("agentcoherence-cli-tests");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Demo_observe_records_the_run_and_prints_every_write_enforcement_would_have_refused()
    {
        var recording = Path.Combine(_directory.Path, "run");

        var (exit, output, errors) = await StatusCommandTests.Run(null, "demo", "--observe", "--updaters", "4", "--record", recording);

        Assert.Equal(string.Empty, errors);
        Assert.Equal(0, exit);
        Assert.Contains("the reviewer's edit is gone", output, StringComparison.Ordinal);
        Assert.Contains("12 increments made, the counter says 3: 9 lost", output, StringComparison.Ordinal);
        // 1 lost plan edit + 3 rounds × 3 lost increments, every one a write observe mode applied: 10 clobbers, and
        // 10 versions nothing built on (the lost increments and the reviewer's edit).
        Assert.Contains("10 silent overwrite(s) lost 10 version(s)", output, StringComparison.Ordinal);
        Assert.Contains("coherence would have refused 10 write(s)", output, StringComparison.Ordinal);
        Assert.Contains("diagnose found every clobber", output, StringComparison.Ordinal);
        Assert.Matches(@"│ plans/plan\.md +│ planner +│ v1 → v3 +│ v2 reviewer", output);

        // The recording stays, and diagnose reads it the same way from the command line.
        var report = TraceAnalyzer.Analyze(await RecordingReader.ReadMergedAsync([recording]));
        var plan = Assert.Single(report.SilentOverwrites, o => o.Key == "plans/plan.md");
        Assert.Equal(("planner", 1L, 3L, "reviewer", true), (plan.Agent, plan.BasedOn, plan.Version, Assert.Single(plan.Victims), plan.Override));
        Assert.Equal(RefusalReason.StaleView, plan.Reason);
        Assert.Equal(9, report.SilentOverwrites.Count(o => o.Key == "counters/done"));
        Assert.All(report.Refusals, r => Assert.True(r.Overridden));
        Assert.Equal(10, report.Refusals.Count);
    }

    [Fact]
    public async Task Demo_observe_without_record_deletes_its_temporary_recording()
    {
        var before = TemporaryRuns();

        var (exit, output, _) = await StatusCommandTests.Run(null, "demo", "--observe", "--updaters", "2");

        Assert.Equal(0, exit);
        Assert.Contains("--record <dir> keeps the recording", output, StringComparison.Ordinal);
        Assert.Equal(before, TemporaryRuns());
    }

    [Fact]
    public async Task Demo_record_needs_observe_and_a_directory_without_recordings()
    {
        var used = Path.Combine(_directory.Path, "used");
        Directory.CreateDirectory(used);
        await File.WriteAllTextAsync(Path.Combine(used, "old.jsonl"), "{}\n");

        var (withoutObserve, output, _) = await StatusCommandTests.Run(null, "demo", "--record", _directory.Path);
        var (reused, _, errors) = await StatusCommandTests.Run(null, "demo", "--observe", "--record", used);

        Assert.NotEqual(0, withoutObserve);
        Assert.Contains("--record needs --observe", output, StringComparison.Ordinal);
        Assert.Equal(2, reused);
        Assert.Contains("already holds recordings", errors, StringComparison.Ordinal);
    }

    private static int TemporaryRuns()
    {
        var root = Path.Combine(Path.GetTempPath(), "coherence-demo-observe");
        return Directory.Exists(root) ? Directory.GetDirectories(root).Length : 0;
    }
}

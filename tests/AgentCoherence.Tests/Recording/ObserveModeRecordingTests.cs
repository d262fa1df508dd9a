using AgentCoherence.Recording;
using AgentCoherence.Testing;

namespace AgentCoherence.Tests.Recording;

/// <summary>A recording of an observe-mode run: the refused write, then the Override that applied it anyway.</summary>
public sealed class ObserveModeRecordingTests
{
    [Fact]
    public async Task The_refusal_and_the_override_that_applied_it_are_both_recorded()
    {
        using var dir = new TempDirectory();
        await using var client = CoherenceClient.CreateInMemory(new CoherenceOptions { Mode = CoherenceMode.Observe });
        var handle = client.RecordTo(dir.Path);
        await using var planner = client.Agent("planner");
        await using var coder = client.Agent("coder");
        var plan = client.Key("plan.md");

        await planner.WriteCasAsync(plan, "v1", 0);
        await coder.ReadAsync(plan);
        await planner.WriteCasAsync(plan, "v2", 1);
        Assert.Equal(3, (await coder.WriteCasAsync(plan, "from v1", 1)).Version);

        // A stale delete too: refused VersionConflict, applied as a tombstone override.
        Assert.Equal(4, await planner.DeleteAsync(plan, 2));
        await handle.DisposeAsync();

        var file = await RecordingReader.ReadFileAsync(Assert.Single(Directory.GetFiles(dir.Path)));
        Assert.Equal("Observe", file.Header.Mode);
        var writes = file.Entries.Where(e => e.Agent == "coder" && e.Op is RecordingOperation.CommitCas or RecordingOperation.Override).Select(RecorderTests.Describe).ToList();
        Assert.Equal(2, writes.Count);
        Assert.StartsWith("CommitCas coder", writes[0], StringComparison.Ordinal);
        Assert.Contains("Refused VersionConflict", writes[0], StringComparison.Ordinal);
        Assert.StartsWith("Override coder", writes[1], StringComparison.Ordinal);
        Assert.Contains("v=3", writes[1], StringComparison.Ordinal);
        var delete = Assert.Single(file.Entries, e => e.Agent == "planner" && e.Op == RecordingOperation.Override);
        Assert.True(delete.Tombstone);
        Assert.Equal(4, delete.Version);

        // The recording replays clean through the rules, overrides included.
        var report = RecordingReplay.Check(file.Entries);
        Assert.True(report.Clean, report.ToString());
        Assert.Equal(2, report.Overrides);
    }
}

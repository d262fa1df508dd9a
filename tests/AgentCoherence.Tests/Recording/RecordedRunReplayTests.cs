using AgentCoherence.Recording;
using AgentCoherence.Testing;

namespace AgentCoherence.Tests.Recording;

/// <summary>Replay of real recordings: the recorder's files of a multi-agent in-memory run, faults included, replay clean.</summary>
public sealed class RecordedRunReplayTests : IDisposable
{
    private readonly TempDirectory _directory = new("agentcoherence-replay-tests");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task A_recorded_multi_agent_run_with_lost_replies_and_retries_replays_clean()
    {
        var faulty = new FaultyDirectoryStore(new InMemoryDirectoryStore());
        faulty.Then(
            FaultyDirectoryStore.Fault.LoseReply,
            FaultyDirectoryStore.Fault.None,
            FaultyDirectoryStore.Fault.Unavailable,
            FaultyDirectoryStore.Fault.None,
            FaultyDirectoryStore.Fault.LoseRequest,
            FaultyDirectoryStore.Fault.None,
            FaultyDirectoryStore.Fault.LoseReply);
        var options = new CoherenceOptions { CrashRecovery = { Enabled = false } };
        await using (var client = new CoherenceClient(faulty, new InMemoryEventBus(), options))
        {
            await using (client.RecordTo(_directory.Path))
            {
                var agents = Enumerable.Range(0, 4).Select(i => client.Agent($"agent-{i}")).ToList();
                await Task.WhenAll(agents.Select(async (agent, i) =>
                {
                    for (var n = 0; n < 15; n++)
                    {
                        var name = n % 2 == 0 ? "counter" : "notes";
                        await agent.UpdateAsync(name, current => (int.Parse(current?.Text ?? "0", System.Globalization.CultureInfo.InvariantCulture) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
                        _ = await agent.ReadAsync(name);
                    }
                }));

                foreach (var agent in agents)
                {
                    await agent.DisposeAsync();
                }
            }
        }

        var entries = await RecordingReader.ReadMergedAsync([_directory.Path]);
        var report = RecordingReplay.Check(entries);

        Assert.True(report.Clean, report.FirstDivergence is { } d ? $"{d.Source} step {d.Step}: {d.Check}: {d.Message}" : null);
        Assert.Contains(entries, e => e.Outcome == RecordingOutcome.Unknown);
        Assert.True(report.UncertainApplied >= 1, "a lost reply's write was found applied");
        Assert.True(report.StoreOperations > 40, $"{report.StoreOperations} store operations");
        Assert.Equal(2, report.Partitions);
    }
}

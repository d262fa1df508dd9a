using System.Globalization;
using AgentCoherence.Cli.Diagnose;
using AgentCoherence.Recording;
using AgentCoherence.Testing;

namespace AgentCoherence.Cli.Tests.Diagnose;

/// <summary>Diagnose on recordings the real recorder wrote (enforce mode): what coherence refused is reported as prevented, and nothing as clobbered.</summary>
public sealed class DiagnoseRecordedRunTests : IDisposable
{
    private readonly TempDirectory _directory = new("agentcoherence-cli-tests");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task An_enforced_run_shows_its_refusals_as_prevented_and_no_clobber_or_divergent_read()
    {
        var options = new CoherenceOptions();
        options.Update.MaxRetries = 1000;
        options.Update.BaseDelay = TimeSpan.FromMilliseconds(1);
        options.Update.MaxDelay = TimeSpan.FromMilliseconds(5);
        await using (var client = CoherenceClient.CreateInMemory(options))
        {
            await using var recording = client.RecordTo(_directory.Path);
            await using var planner = client.Agent("planner");
            await using var reviewer = client.Agent("reviewer");
            await planner.WriteAsync("plans/plan.md", "v1");
            var plannerView = await planner.ReadAsync("plans/plan.md");
            var reviewerView = await reviewer.ReadAsync("plans/plan.md");
            await reviewer.WriteAsync("plans/plan.md", reviewerView.Text + " +reviewer");
            await Assert.ThrowsAsync<StaleViewException>(() => planner.WriteAsync("plans/plan.md", plannerView.Text + " +planner").AsTask());
            var current = await planner.ReacquireAsync("plans/plan.md");
            await planner.WriteAsync("plans/plan.md", current.Text + " +planner");
            await reviewer.ReadAsync("plans/plan.md");
            await reviewer.ReadAsync("plans/plan.md"); // served from the cache

            var counter = client.Key("counters/done");
            var updaters = Enumerable.Range(1, 4).Select(i => client.Agent($"updater-{i}")).ToList();
            await Task.WhenAll(updaters.Select(agent => Task.Run(async () =>
            {
                for (var i = 0; i < 10; i++)
                {
                    await agent.UpdateAsync(counter, async (view, _) =>
                    {
                        await Task.Yield();
                        return ((view is null ? 0 : long.Parse(view.Text, CultureInfo.InvariantCulture)) + 1).ToString(CultureInfo.InvariantCulture);
                    });
                }
            })));
            foreach (var agent in updaters)
            {
                await agent.DisposeAsync();
            }
        }

        var report = TraceAnalyzer.Analyze(await RecordingReader.ReadMergedAsync([_directory.Path]));

        Assert.Empty(report.SilentOverwrites);
        Assert.Empty(report.DivergentReads);
        Assert.False(report.Summary.Observe);
        Assert.NotEmpty(report.Refusals);
        Assert.All(report.Refusals, r => Assert.False(r.Overridden));
        // The planner's stale write was refused at its acquire (StaleView): prevented; the rest are the counter's lost races.
        var plan = Assert.Single(report.Refusals, r => r.Key == "plans/plan.md");
        Assert.Equal(("planner", RecordingOperation.Acquire, RefusalReason.StaleView), (plan.Agent, plan.Operation, plan.Reason));
        Assert.All(report.Refusals.Where(r => r.Key != "plans/plan.md"), r => Assert.Equal(("counters/done", RefusalReason.VersionConflict), (r.Key, r.Reason)));
        var planRow = Assert.Single(report.Artifacts, a => a.Key == "plans/plan.md");
        Assert.Equal((3L, 3L), (planRow.Writes, planRow.LatestVersion));
        var counterRow = Assert.Single(report.Artifacts, a => a.Key == "counters/done");
        Assert.Equal(40, counterRow.Writes);
        Assert.Equal(40, counterRow.LatestVersion);
        Assert.Equal(4, counterRow.Writers.Count);
        Assert.True(report.Tokens.CacheHits >= 1);
        Assert.True(report.Tokens.BaselineTokens > report.Tokens.CoherentTokensWithoutSignals);
    }
}

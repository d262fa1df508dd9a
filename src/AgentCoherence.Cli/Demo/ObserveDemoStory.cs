using System.Globalization;
using AgentCoherence.Cli.Diagnose;
using AgentCoherence.Recording;
using Spectre.Console;

namespace AgentCoherence.Cli.Demo;

/// <summary>What <c>demo --observe</c> ran and what diagnose found in its recording.</summary>
/// <param name="Recording">The directory the run was recorded to.</param>
/// <param name="Report">Diagnose's report of that recording.</param>
/// <param name="LostEdit">Whether the reviewer's edit is missing from the final plan (observe mode let the stale write through).</param>
/// <param name="ExpectedCount">Increments the updaters made.</param>
/// <param name="ActualCount">The counter's final value.</param>
internal sealed record ObserveDemoOutcome(string Recording, DiagnoseReport Report, bool LostEdit, long ExpectedCount, long ActualCount)
{
    /// <summary>Every write that clobbered another agent's version was seen by diagnose, and each was one observe mode applied.</summary>
    public bool Succeeded =>
        LostEdit
        && ActualCount < ExpectedCount
        && Report.SilentOverwrites.Count == ExpectedCount - ActualCount + 1
        && Report.SilentOverwrites.All(o => o.Override)
        && Report.Summary.WouldBeRefused == Report.SilentOverwrites.Count
        && Report.Summary.Prevented == 0;
}

/// <summary>
/// <c>coherence demo --observe</c>: the uncoordinated story run on a client in observe mode
/// (<see cref="CoherenceMode.Observe"/>), recorded, then diagnosed. The planner's stale write lands (the reviewer's
/// edit is lost, as without coordination); then updaters increment a counter by reading and writing back in rounds
/// (every agent reads, then every agent writes), so each round keeps one increment. Every write enforcement would
/// refuse is applied and recorded; diagnose then lists them: who clobbered whom and what was lost.
/// </summary>
internal static class ObserveDemoStory
{
    public const int Rounds = 3;

    public static async Task<ObserveDemoOutcome> RunAsync(IAnsiConsole console, string recording, int updaters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentException.ThrowIfNullOrEmpty(recording);
        ArgumentOutOfRangeException.ThrowIfLessThan(updaters, 2);

        console.Write(new Rule("[bold]AgentCoherence demo — observe mode[/]: the uncoordinated story, recorded and diagnosed").LeftJustified());
        console.MarkupLine("[grey]AgentCoherence:Mode = Observe: every write runs the real checks; one enforcement would refuse is applied anyway and recorded.[/]");
        bool lost;
        long actual;
        var options = new CoherenceOptions { Mode = CoherenceMode.Observe };
        await using (var client = CoherenceClient.CreateInMemory(options))
        {
            var refused = 0;
            client.WouldBeRefused += (_, _) => Interlocked.Increment(ref refused);
            await using var recorder = client.RecordTo(recording);
            lost = await PlanAsync(console, client, cancellationToken);
            actual = await CounterAsync(console, client, updaters, cancellationToken);
            console.MarkupLine($"observe mode applied [yellow]{refused.ToString(CultureInfo.InvariantCulture)}[/] write(s) enforcement would have refused; recorded to [blue]{Markup.Escape(recording)}[/]");
        }

        var entries = await RecordingReader.ReadMergedAsync([recording], cancellationToken);
        var report = TraceAnalyzer.Analyze(entries);
        var outcome = new ObserveDemoOutcome(recording, report, lost, (long)updaters * Rounds, actual);

        console.WriteLine();
        console.Write(new Rule("[bold]coherence diagnose[/] of the recording").LeftJustified());
        DiagnoseConsoleRenderer.RenderSummary(console, report);
        DiagnoseConsoleRenderer.RenderOverwrites(console, report);
        DiagnoseConsoleRenderer.RenderRefusals(console, report);
        console.MarkupLine(outcome.Succeeded
            ? $"[green]✓ diagnose found every clobber[/]: the reviewer's lost edit and the {(outcome.ExpectedCount - outcome.ActualCount).ToString(CultureInfo.InvariantCulture)} lost increments, each a write enforcement would have refused"
            : "[red]✗ diagnose's findings do not match what the run lost[/]");
        return outcome;
    }

    private static async Task<bool> PlanAsync(IAnsiConsole console, CoherenceClient client, CancellationToken cancellationToken)
    {
        console.Write(new Rule("[yellow]1 · the plan[/]").LeftJustified());
        await using var planner = client.Agent("planner");
        await using var reviewer = client.Agent("reviewer");
        await planner.WriteAsync(DemoStory.PlanKey, DemoStory.InitialPlan, cancellationToken);
        var plannerView = await planner.ReadAsync(DemoStory.PlanKey, cancellationToken);
        var reviewerView = await reviewer.ReadAsync(DemoStory.PlanKey, cancellationToken);
        console.MarkupLine($"planner and reviewer both read [blue]v{plannerView.Version}[/]");
        var v2 = await reviewer.WriteAsync(DemoStory.PlanKey, DemoStory.ReviewerEdit(reviewerView.Text), cancellationToken);
        console.MarkupLine($"reviewer writes its edit → [blue]v{v2.Version}[/]");
        var v3 = await planner.WriteAsync(DemoStory.PlanKey, DemoStory.PlannerEdit(plannerView.Text), cancellationToken);
        console.MarkupLine($"planner writes back what it derived from [blue]v{plannerView.Version}[/] → [blue]v{v3.Version}[/]: [yellow]enforcement would refuse it (StaleView); observe mode applies it[/]");
        var final = (await reviewer.ReadAsync(DemoStory.PlanKey, cancellationToken)).Text;
        var lost = !final.Contains(DemoStory.ReviewerMarker, StringComparison.Ordinal);
        console.MarkupLine(lost ? "[red]the reviewer's edit is gone[/], as it would be without coordination" : "[yellow]unexpected: the reviewer's edit survived[/]");
        return lost;
    }

    private static async Task<long> CounterAsync(IAnsiConsole console, CoherenceClient client, int updaters, CancellationToken cancellationToken)
    {
        console.Write(new Rule($"[yellow]2 · a counter[/]: {updaters.ToString(CultureInfo.InvariantCulture)} agents, read then write back +1, {Rounds} rounds").LeftJustified());
        var agents = Enumerable.Range(1, updaters).Select(i => client.Agent($"updater-{i}")).ToList();
        try
        {
            await agents[0].WriteAsync(DemoStory.CounterKey, "0", cancellationToken);
            for (var round = 0; round < Rounds; round++)
            {
                // Every agent reads before any writes: each computes from the same version, as racing agents do.
                var views = new List<ArtifactView>(agents.Count);
                foreach (var agent in agents)
                {
                    views.Add(await agent.ReadAsync(DemoStory.CounterKey, cancellationToken));
                }

                for (var i = 0; i < agents.Count; i++)
                {
                    var next = long.Parse(views[i].Text, CultureInfo.InvariantCulture) + 1;
                    await agents[i].WriteAsync(DemoStory.CounterKey, next.ToString(CultureInfo.InvariantCulture), cancellationToken);
                }
            }

            await using var auditor = client.Agent("auditor");
            var final = long.Parse((await auditor.ReadAsync(DemoStory.CounterKey, cancellationToken)).Text, CultureInfo.InvariantCulture);
            var expected = (long)updaters * Rounds;
            console.MarkupLine($"{expected.ToString(CultureInfo.InvariantCulture)} increments made, the counter says [red]{final.ToString(CultureInfo.InvariantCulture)}[/]: {(expected - final).ToString(CultureInfo.InvariantCulture)} lost");
            return final;
        }
        finally
        {
            foreach (var agent in agents)
            {
                await agent.DisposeAsync();
            }
        }
    }
}

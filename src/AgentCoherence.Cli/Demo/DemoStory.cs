using System.Globalization;
using Spectre.Console;

namespace AgentCoherence.Cli.Demo;

/// <summary>What the demo observed; the exit code is 0 only when every check holds.</summary>
internal sealed record DemoOutcome(bool LostEditObserved, bool StaleWriteRefused, bool BothEditsSurvive, long ExpectedCount, long ActualCount, long ConflictsRetried)
{
    public bool CounterExact => ExpectedCount == ActualCount;

    public bool Succeeded => LostEditObserved && StaleWriteRefused && BothEditsSurvive && CounterExact;
}

/// <summary>
/// The user's story on the in-memory stack: a planner and a reviewer share <c>plans/plan.md</c>.
/// Without coordination the reviewer's edit is silently lost; with AgentCoherence the planner's
/// stale write is refused, it reacquires and re-derives, and both edits survive. Then N agents
/// increment one counter optimistically and every increment lands.
/// </summary>
internal static class DemoStory
{
    public const string PlanKey = "plans/plan.md";
    public const string CounterKey = "counters/done";

    public const string InitialPlan = "# Plan\n1. Research the billing API\n2. Write the client\n";
    private const string PlannerMarker = "behind a feature flag";
    public const string ReviewerMarker = "Add contract tests";

    /// <summary>The planner's edit: it derives a change to step 2 from whatever text it holds.</summary>
    public static string PlannerEdit(string text) => text.Replace("2. Write the client", "2. Write the client " + PlannerMarker, StringComparison.Ordinal);

    /// <summary>The reviewer's edit: it adds a step.</summary>
    public static string ReviewerEdit(string text) => text + "3. " + ReviewerMarker + " (reviewer)\n";

    public static async Task<DemoOutcome> RunAsync(IAnsiConsole console, int updaters = 8, int increments = 25, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentOutOfRangeException.ThrowIfLessThan(updaters, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(increments, 1);

        console.Write(new Rule("[bold]AgentCoherence demo[/] — two agents share [blue]plans/plan.md[/]").LeftJustified());
        var lost = PartOne(console);
        var (refused, both) = await PartTwoAsync(console, cancellationToken);
        var (expected, actual, conflicts) = await PartThreeAsync(console, updaters, increments, cancellationToken);
        var outcome = new DemoOutcome(lost, refused, both, expected, actual, conflicts);

        console.WriteLine();
        var verdict = new Table().Border(TableBorder.Rounded).HideHeaders().AddColumn("check").AddColumn("result");
        verdict.AddRow("without coordination, the reviewer's edit is silently lost", Mark(outcome.LostEditObserved));
        verdict.AddRow("with AgentCoherence, the stale write is refused (StaleViewException)", Mark(outcome.StaleWriteRefused));
        verdict.AddRow("after reacquire + re-derive, both edits survive", Mark(outcome.BothEditsSurvive));
        verdict.AddRow($"{updaters} × {increments} optimistic increments all land", Mark(outcome.CounterExact));
        console.Write(verdict);
        return outcome;
    }

    // Part 1: a plain dictionary, last write wins.
    private static bool PartOne(IAnsiConsole console)
    {
        console.Write(new Rule("[yellow]1 · without coordination[/] (a plain Dictionary)").LeftJustified());
        var files = new Dictionary<string, string>(StringComparer.Ordinal) { [PlanKey] = InitialPlan };
        var plannerCopy = files[PlanKey];
        var reviewerCopy = files[PlanKey];
        console.MarkupLine("planner and reviewer both read [blue]v1[/]");
        files[PlanKey] = ReviewerEdit(reviewerCopy);
        console.MarkupLine("reviewer writes its edit ([green]+ step 3: contract tests[/])");
        files[PlanKey] = PlannerEdit(plannerCopy);
        console.MarkupLine("planner writes back what it derived from [blue]v1[/] ([green]step 2 behind a feature flag[/]) — no error");
        var final = files[PlanKey];
        var lost = !final.Contains(ReviewerMarker, StringComparison.Ordinal) && final.Contains(PlannerMarker, StringComparison.Ordinal);
        console.Write(PlanPanel(final, "final plans/plan.md", lost ? Color.Red : Color.Green));
        console.MarkupLine(lost
            ? "[red]✗ the reviewer's edit (step 3: contract tests) is silently gone[/] — nothing failed, later work builds on the wrong plan"
            : "[yellow]unexpected: the reviewer's edit survived[/]");
        return lost;
    }

    // Part 2: the same story through CoherentAgent.
    private static async Task<(bool Refused, bool BothSurvive)> PartTwoAsync(IAnsiConsole console, CancellationToken cancellationToken)
    {
        console.WriteLine();
        console.Write(new Rule("[green]2 · with AgentCoherence[/] (in-memory store and bus)").LeftJustified());
        await using var coherence = CoherenceClient.CreateInMemory();
        await using var planner = coherence.Agent("planner");
        await using var reviewer = coherence.Agent("reviewer");
        var signals = new List<string>();
        planner.SignalReceived += (_, signal) => signals.Add(signal.ToCompactText());

        await planner.WriteAsync(PlanKey, InitialPlan, cancellationToken);
        var plannerView = await planner.ReadAsync(PlanKey, cancellationToken);
        var reviewerView = await reviewer.ReadAsync(PlanKey, cancellationToken);
        console.MarkupLine($"planner and reviewer both read [blue]v{plannerView.Version}[/]");

        var v2 = await reviewer.WriteAsync(PlanKey, ReviewerEdit(reviewerView.Text), cancellationToken);
        console.MarkupLine($"reviewer writes its edit → [blue]v{v2.Version}[/]; the planner is told: [grey]{Markup.Escape(string.Join("; ", signals))}[/]");

        var refused = false;
        try
        {
            await planner.WriteAsync(PlanKey, PlannerEdit(plannerView.Text), cancellationToken);
            console.MarkupLine("[red]unexpected: the planner's stale write landed[/]");
        }
        catch (StaleViewException ex)
        {
            refused = true;
            var table = new Table().Border(TableBorder.Rounded).HideHeaders().AddColumn("field").AddColumn("value")
                .Title("[red]planner's write refused[/]")
                .AddRow("exception", nameof(StaleViewException))
                .AddRow("message", Markup.Escape(ex.Message))
                .AddRow("seen version", "v" + ex.SeenVersion.ToString(CultureInfo.InvariantCulture))
                .AddRow("current version", "v" + ex.CurrentVersion.ToString(CultureInfo.InvariantCulture))
                .AddRow("retryable", ex.IsRetryable ? "yes" : "no")
                .AddRow("advice", Markup.Escape(ex.Advice));
            console.Write(table);
        }

        var current = await planner.ReacquireAsync(PlanKey, cancellationToken);
        console.MarkupLine($"planner reacquires [blue]v{current.Version}[/], re-derives its edit on it, writes; the reviewer reads the result");
        var v3 = await planner.WriteAsync(PlanKey, PlannerEdit(current.Text), cancellationToken);
        var final = (await reviewer.ReadAsync(PlanKey, cancellationToken)).Text;
        var both = final.Contains(PlannerMarker, StringComparison.Ordinal) && final.Contains(ReviewerMarker, StringComparison.Ordinal);
        console.Write(PlanPanel(final, $"final plans/plan.md v{v3.Version}", both ? Color.Green : Color.Red));
        console.MarkupLine(both
            ? "[green]✓ both edits survive[/]: step 2 behind a feature flag (planner) and step 3 contract tests (reviewer)"
            : "[red]✗ an edit is missing[/]");
        return (refused, both);
    }

    // Part 3: N agents increment one counter with UpdateAsync (read, compute, compare-and-set, retry).
    private static async Task<(long Expected, long Actual, long Conflicts)> PartThreeAsync(IAnsiConsole console, int updaters, int increments, CancellationToken cancellationToken)
    {
        console.WriteLine();
        console.Write(new Rule("[blue]3 · optimistic path[/] (UpdateAsync: compare-and-set with retries)").LeftJustified());
        var options = new CoherenceOptions();
        options.Update.MaxRetries = 1000;
        options.Update.BaseDelay = TimeSpan.FromMilliseconds(1);
        options.Update.MaxDelay = TimeSpan.FromMilliseconds(10);
        await using var coherence = CoherenceClient.CreateInMemory(options);
        var agents = Enumerable.Range(1, updaters).Select(i => coherence.Agent($"updater-{i}")).ToList();
        try
        {
            // All updaters start together, and each yields between its read and its compare-and-set
            // (an agent "thinking"), so the races are real rather than one agent finishing first.
            var key = coherence.Key(CounterKey);
            var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var work = agents.Select(agent => Task.Run(
                async () =>
                {
                    await go.Task;
                    for (var i = 0; i < increments; i++)
                    {
                        await agent.UpdateAsync(
                            key,
                            async (current, _) =>
                            {
                                await Task.Yield();
                                return (Parse(current) + 1).ToString(CultureInfo.InvariantCulture);
                            },
                            cancellationToken);
                    }
                },
                cancellationToken)).ToList();
            var started = TimeProvider.System.GetTimestamp();
            go.SetResult();
            await Task.WhenAll(work);
            var elapsed = TimeProvider.System.GetElapsedTime(started);

            await using var auditor = coherence.Agent("auditor");
            var final = await auditor.ReadAsync(CounterKey, cancellationToken);
            long expected = (long)updaters * increments;
            long actual = Parse(final);
            var conflicts = agents.Sum(a => a.Stats.Refusals);
            var table = new Table().Border(TableBorder.Rounded)
                .AddColumn("updaters").AddColumn("increments each").AddColumn("expected").AddColumn("actual").AddColumn("conflicts retried").AddColumn("final version").AddColumn("time");
            table.AddRow(
                updaters.ToString(CultureInfo.InvariantCulture),
                increments.ToString(CultureInfo.InvariantCulture),
                expected.ToString(CultureInfo.InvariantCulture),
                (actual == expected ? "[green]" : "[red]") + actual.ToString(CultureInfo.InvariantCulture) + "[/]",
                conflicts.ToString(CultureInfo.InvariantCulture),
                "v" + final.Version.ToString(CultureInfo.InvariantCulture),
                $"{elapsed.TotalMilliseconds:F0} ms");
            console.Write(table);
            console.MarkupLine(actual == expected
                ? $"[green]✓ all {expected} increments landed[/]: every lost race was refused with VersionConflict and retried on the new version (UpdateOptions.MaxRetries = {options.Update.MaxRetries})"
                : $"[red]✗ {expected - actual} increments lost[/]");
            return (expected, actual, conflicts);
        }
        finally
        {
            foreach (var agent in agents)
            {
                await agent.DisposeAsync();
            }
        }
    }

    private static long Parse(ArtifactView? view) => view is null ? 0 : long.Parse(view.Text, CultureInfo.InvariantCulture);

    private static Panel PlanPanel(string text, string header, Color color) =>
        new Panel(new Text(text.TrimEnd('\n'))).Header(Markup.Escape(header)).BorderColor(color).Border(BoxBorder.Rounded);

    private static string Mark(bool ok) => ok ? "[green]✓[/]" : "[red]✗[/]";
}

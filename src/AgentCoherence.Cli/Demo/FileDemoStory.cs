using System.Globalization;
using AgentCoherence.Volume;
using Spectre.Console;

namespace AgentCoherence.Cli.Demo;

/// <summary>What the file demo observed.</summary>
internal sealed record FileDemoOutcome(bool StaleWriteRefused, bool BothEditsSurvive, string Workspace)
{
    public bool Succeeded => StaleWriteRefused && BothEditsSurvive;
}

/// <summary>
/// The user's story on real files: two agents, each with its own <see cref="CoherentVolume"/> (as two
/// processes would have), share <c>plans/plan.md</c> in a temporary workspace; the stale write is refused,
/// the planner reacquires, and both edits survive on disk.
/// </summary>
internal static class FileDemoStory
{
    public static async Task<FileDemoOutcome> RunAsync(IAnsiConsole console, string? workspace = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(console);
        var root = workspace ?? Path.Combine(Path.GetTempPath(), "coherence-demo-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        var plan = Path.Combine(root, "plans", "plan.md");
        console.Write(new Rule($"[bold]AgentCoherence on files[/] — workspace [blue]{Markup.Escape(root)}[/]").LeftJustified());

        var options = new VolumeOptions { Managed = ["plans/**"] };
        bool refused = false, both;
        await using (var planner = await CoherentVolume.OpenAsync(root, "planner", options, cancellationToken))
        await using (var reviewer = await CoherentVolume.OpenAsync(root, "reviewer", options, cancellationToken))
        {
            await planner.WriteAsync("plans/plan.md", "# Plan\n1. Research the billing API\n2. Write the client\n", cancellationToken);
            var plannerView = await planner.ReadAsync("plans/plan.md", cancellationToken);
            var reviewerView = await reviewer.ReadAsync("plans/plan.md", cancellationToken);
            console.MarkupLine($"planner and reviewer both read [blue]plans/plan.md v{plannerView.Version}[/] (state in [grey].coherence/directory.db[/])");

            var v2 = await reviewer.WriteAsync("plans/plan.md", DemoStory.ReviewerEdit(reviewerView.Content), cancellationToken);
            console.MarkupLine($"reviewer writes its edit → [blue]v{v2.Version}[/] (file replaced atomically, hash committed)");

            try
            {
                await planner.WriteAsync("plans/plan.md", DemoStory.PlannerEdit(plannerView.Content), cancellationToken);
                console.MarkupLine("[red]unexpected: the planner's stale write landed[/]");
            }
            catch (StaleViewException ex)
            {
                refused = true;
                console.MarkupLine($"[red]planner's write refused[/]: {nameof(StaleViewException)} — {Markup.Escape(ex.Message)}");
                console.MarkupLine($"the file on disk is untouched: still v{ex.CurrentVersion.ToString(CultureInfo.InvariantCulture)}");
            }

            var current = await planner.ReacquireAsync("plans/plan.md", cancellationToken);
            var v3 = await planner.WriteAsync("plans/plan.md", DemoStory.PlannerEdit(current.Content), cancellationToken);
            console.MarkupLine($"planner reacquires [blue]v{current.Version}[/], re-derives, writes → [blue]v{v3.Version}[/]");
        }

        var final = await File.ReadAllTextAsync(plan, cancellationToken);
        both = final.Contains("behind a feature flag", StringComparison.Ordinal) && final.Contains("Add contract tests", StringComparison.Ordinal);
        console.Write(new Panel(Markup.Escape(final.TrimEnd())).Header($"{Markup.Escape(plan)} on disk").BorderColor(both ? Color.Green : Color.Red));
        console.MarkupLine(both ? "[green]✓ both edits survive on disk[/]" : "[red]✗ an edit is missing[/]");
        console.MarkupLine($"inspect it: [grey]coherence volume status {Markup.Escape(root)} --managed 'plans/**'[/]");
        return new FileDemoOutcome(refused, both, root);
    }
}

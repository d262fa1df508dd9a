using System.Globalization;
using AgentCoherence.Simulation;
using Spectre.Console;

namespace AgentCoherence.Cli.Simulate;

/// <summary>Spectre.Console tables for the simulation's results (the JSON is <see cref="SimulationJson"/>).</summary>
internal static class SimulationRenderer
{
    /// <summary>The JSON document on the console's raw output (standard output, or a test's console): no wrapping, nothing else.</summary>
    public static async Task PrintJsonAsync(IAnsiConsole console, string json, CancellationToken cancellationToken) =>
        await console.Profile.Out.Writer.WriteLineAsync(json.AsMemory(), cancellationToken);

    public static string Pct(double value) => value.ToString("0.0%", CultureInfo.InvariantCulture);

    public static string Pct(MeanSd value) => string.Create(CultureInfo.InvariantCulture, $"{value.Mean * 100:0.0}% ± {value.Sd * 100:0.0}");

    public static string Num(double value) => value.ToString("#,0.##", CultureInfo.InvariantCulture);

    public static void Paper(IAnsiConsole console, PaperComparison comparison)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"Savings vs full-state broadcast: the paper (arXiv 2603.15183) and ours ({comparison.Strategy}, {comparison.Seeds.Count} seeds)")
            .AddColumn("V")
            .AddColumn(new TableColumn("paper").RightAligned())
            .AddColumn(new TableColumn("ours (paper's accounting)").RightAligned())
            .AddColumn(new TableColumn("ours, refused-write re-reads left out").RightAligned())
            .AddColumn(new TableColumn("ours (full accounting)").RightAligned())
            .AddColumn(new TableColumn("lower bound").RightAligned())
            .AddColumn(new TableColumn("hit rate").RightAligned())
            .AddColumn(new TableColumn("stale reads").RightAligned())
            .AddColumn(new TableColumn("violations").RightAligned());
        foreach (var row in comparison.Rows)
        {
            var paper = row.PaperSd is { } sd
                ? string.Create(CultureInfo.InvariantCulture, $"{row.PaperSavings * 100:0.0}% ± {sd * 100:0.0}")
                : string.Create(CultureInfo.InvariantCulture, $"~{row.PaperSavings * 100:0}%");
            table.AddRow(
                row.Volatility.ToString("0.00", CultureInfo.InvariantCulture),
                paper,
                Pct(row.Ours),
                Pct(row.OursAsPaper),
                Pct(row.OursFull),
                Pct(row.LowerBound),
                Pct(row.Summary.HitRate.Mean),
                Num(row.Summary.StaleReads.Mean),
                row.Summary.Violations.ToString(CultureInfo.InvariantCulture));
        }

        console.Write(table);
        console.MarkupLine("[grey]Paper's accounting: fetched content + signals against n × S × Σ|d| (every agent receives every artifact every tick). "
            + "Re-reads left out: without the content fetched again after the store refused a write derived from a stale copy (the paper's simulator lets such writes land). "
            + "Full accounting: + 1 token per hit and each commit's content, the commits paid on the broadcast side too. "
            + "Lower bound: 1 − (n + W(d)) / S, W(d) the expected writes per artifact.[/]");
    }

    public static void Summary(IAnsiConsole console, SimulationSummary summary)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"{summary.Workload}, {summary.Strategy}, {summary.Seeds.Count} seed(s)")
            .AddColumn("measure")
            .AddColumn(new TableColumn("mean ± sd").RightAligned());
        table.AddRow("savings vs broadcast (paper's accounting)", Pct(summary.SavingsVsBroadcast));
        table.AddRow("savings vs broadcast, refused-write re-reads left out", Pct(summary.SavingsVsBroadcastAsPaper));
        table.AddRow("savings vs broadcast (full accounting)", Pct(summary.SavingsVsBroadcastFull));
        table.AddRow("savings vs no coherence", Pct(summary.SavingsVsNoCoherence));
        table.AddRow("theorem's lower bound", Pct(summary.LowerBound));
        table.AddRow("hit rate", Pct(summary.HitRate));
        table.AddRow("sync tokens (fetches + signals)", Num(summary.SyncTokens.Mean) + " ± " + Num(summary.SyncTokens.Sd));
        table.AddRow("all tokens paid", Num(summary.CoherentTokens.Mean) + " ± " + Num(summary.CoherentTokens.Sd));
        table.AddRow("broadcast tokens", Num(summary.BroadcastTokens.Mean));
        table.AddRow("signals applied (tokens)", $"{Num(summary.SignalsApplied.Mean)} ({Num(summary.SignalTokens.Mean)})");
        table.AddRow("stale reads (ticks behind)", $"{Num(summary.StaleReads.Mean)} ({Num(summary.StaleTicks.Mean)})");
        table.AddRow("retries", Num(summary.Retries.Mean));
        table.AddRow("reclaims", Num(summary.Reclaims.Mean));
        foreach (var (reason, count) in summary.Refusals)
        {
            table.AddRow($"refused: {reason}", Num(count));
        }

        table.AddRow("runs that broke an invariant", summary.Violations.ToString(CultureInfo.InvariantCulture));
        console.Write(table);
    }

    public static void Sweep(IAnsiConsole console, SimulationSweep sweep)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"Sweep: savings vs broadcast (paper's accounting) by {sweep.XLabel}, {sweep.Seeds.Count} seeds")
            .AddColumn(sweep.XLabel);
        foreach (var series in sweep.Series)
        {
            table.AddColumn(new TableColumn(series.Strategy).RightAligned());
        }

        table.AddColumn(new TableColumn("lower bound").RightAligned());
        var points = sweep.Series[0].Points;
        for (var i = 0; i < points.Count; i++)
        {
            var cells = new List<string> { Num(points[i].X) };
            cells.AddRange(sweep.Series.Select(s => Pct(s.Points[i].Savings)));
            cells.Add(Pct(points[i].LowerBound));
            table.AddRow(cells.ToArray());
        }

        console.Write(table);
    }

    public static void Violation(IAnsiConsole console, InvariantViolation violation) =>
        console.MarkupLineInterpolated($"[red]{violation.Invariant}[/] broken at seed {violation.Seed}, tick {violation.Tick}, step {violation.Step}: {violation.Message}\n  reproduce: [bold]{violation.Reproduce}[/]");
}

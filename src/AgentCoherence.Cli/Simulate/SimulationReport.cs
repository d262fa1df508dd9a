using System.Globalization;
using System.Reflection;
using AgentCoherence.Cli.Reports;
using AgentCoherence.Simulation;
using ScottPlot;

namespace AgentCoherence.Cli.Simulate;

/// <summary>
/// Writes a simulation report into a directory: for each sweep and for the paper comparison a PNG and an SVG chart
/// (<c>&lt;name&gt;.png</c>, <c>&lt;name&gt;.svg</c>), the numbers as JSON (<c>simulation.json</c>), and one
/// self-contained page (<c>simulation.html</c>: every chart inline as SVG, tables of the numbers, the paper's table
/// and the configuration that reproduces it).
/// </summary>
internal static class SimulationReport
{
    public const string PageFile = "simulation.html";
    public const string JsonFile = "simulation.json";
    public const string PaperChart = "paper";

    /// <summary>The page's section ids, in order, for a report of <paramref name="sweeps"/>.</summary>
    public static IReadOnlyList<string> SectionIds(IEnumerable<string> sweeps) =>
        ["reading", "paper", .. sweeps.Select(s => "sweep-" + s), "configuration"];

    /// <summary>Writes every file into <paramref name="directory"/> (created if missing; files of the same names replaced) and returns their paths.</summary>
    /// <exception cref="IOException">The directory or a file cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The directory or a file cannot be written.</exception>
    public static async Task<IReadOnlyList<string>> WriteAsync(string directory, SimulationReportData data, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(data);
        Directory.CreateDirectory(directory);
        var written = new List<string>();
        var charts = new List<(string Name, Plot Plot)> { (PaperChart, SimulationPlots.Paper(data.Paper)) };
        charts.AddRange(data.Sweeps.Select(s => (s.Name, SimulationPlots.Sweep(s))));
        foreach (var (name, plot) in charts)
        {
            var png = Path.Combine(directory, name + ".png");
            var svg = Path.Combine(directory, name + ".svg");
            plot.SavePng(png, SimulationPlots.Width, SimulationPlots.Height);
            await File.WriteAllTextAsync(svg, plot.GetSvgXml(SimulationPlots.Width, SimulationPlots.Height), cancellationToken);
            written.Add(png);
            written.Add(svg);
        }

        var json = Path.Combine(directory, JsonFile);
        await File.WriteAllTextAsync(json, SimulationJson.Serialize(new { data.Paper, data.Sweeps }), cancellationToken);
        written.Add(json);
        var page = Path.Combine(directory, PageFile);
        await File.WriteAllTextAsync(page, Page(data, charts.ToDictionary(c => c.Name, c => c.Plot)), cancellationToken);
        written.Add(page);
        return written;
    }

    /// <summary>The self-contained HTML page.</summary>
    public static string Page(SimulationReportData data, IReadOnlyDictionary<string, Plot> charts)
    {
        var page = new HtmlPage(
            "coherence simulate — savings, strategies and the lower bound",
            $"Simulated fleets on the real client and store: the paper's table reproduced and {data.Sweeps.Count} sweep(s) of its workload, {SeedRange(data.Paper.Seeds)} per point.");

        page.Section("reading", "How to read this page");
        page.Paragraph("Every chart shows savings against full-state broadcast in the paper's accounting: 1 − (content fetched + signals) / (n × S × Σ|d|), where broadcast sends every agent every artifact it touches at every one of the S ticks. Points are the mean over the seeds; error bars are ± one standard deviation; the curves at one x are drawn slightly apart so their bars do not hide each other (the tables give the exact x).");
        page.Paragraph("The dashed grey line is the Token Coherence Theorem's lower bound: lazy invalidation costs at most (n + W(d)) / S of broadcast, so it saves at least 1 − (n + W(d)) / S (n agents, W(d) the expected writes per artifact over the run, S ticks; 0 where S ≤ n + W(d)). Equivalently, broadcast costs at least S / (n + W(d)) times as much. A measured curve above the line is what the theorem promises; the bound is about lazy invalidation, and eager and broadcast refresh fetch on every signal, so they may fall under it.");

        page.Section("paper", "The paper's table and ours");
        page.Figure(SvgChart.ToInlineSvg(charts[PaperChart], SimulationPlots.Width, SimulationPlots.Height, "paper comparison"), "The paper's reported savings (± its standard deviation; none at V = 0.90) beside ours at each V, and the bound.");
        page.Table(
            ["V", "paper", "ours (paper's accounting)", "ours, refused-write re-reads left out", "ours (full accounting)", "lower bound", "hit rate", "stale reads per run", "runs that broke an invariant"],
            data.Paper.Rows.Select(r => (IReadOnlyList<string>)
            [
                r.Volatility.ToString("0.00", CultureInfo.InvariantCulture),
                r.PaperSd is { } sd ? Percent(r.PaperSavings) + " ± " + Points(sd) : "~" + Percent(r.PaperSavings),
                Percent(r.Ours), Percent(r.OursAsPaper), Percent(r.OursFull), Percent(r.LowerBound),
                Percent(r.Summary.HitRate.Mean), Number(r.Summary.StaleReads.Mean),
                r.Summary.Violations.ToString(CultureInfo.InvariantCulture),
            ]));
        page.Paragraph("The paper's accounting pays fetched content and signals. Leaving out the re-reads a refused stale write costs (the paper's simulator lets such a write land) gives its setting; the full accounting also pays 1 token per hit and every commit's content, on the broadcast side too.", "note");

        foreach (var sweep in data.Sweeps)
        {
            page.Section("sweep-" + sweep.Name, $"Sweep: {sweep.XLabel}");
            page.Figure(SvgChart.ToInlineSvg(charts[sweep.Name], SimulationPlots.Width, SimulationPlots.Height, $"savings by {sweep.XLabel}"), Caption(sweep));
            page.Table(
                [sweep.XLabel, "strategy", "savings (paper's accounting)", "savings (full accounting)", "hit rate", "stale reads per run", "lower bound"],
                sweep.Series.SelectMany(s => s.Points.Select(p => (X: p.X, Strategy: s.Strategy, Point: p)))
                    .OrderBy(r => r.X)
                    .Select(r => (IReadOnlyList<string>)
                    [
                        Number(r.X), r.Strategy, Percent(r.Point.Savings), Percent(r.Point.SavingsFull),
                        Percent(r.Point.HitRate.Mean), Number(r.Point.StaleReads.Mean) + " ± " + Number(r.Point.StaleReads.Sd), Percent(r.Point.LowerBound),
                    ]));
        }

        page.Section("configuration", "Configuration (to reproduce)");
        page.Table(
            ["setting", "value"],
            [
                ["command", data.Command],
                ["seeds", SeedRange(data.Paper.Seeds) + " (the same at every point)"],
                ["strategies", string.Join(", ", data.Sweeps.SelectMany(s => s.Series.Select(x => x.Strategy)).Distinct(StringComparer.Ordinal))],
                ["paper comparison strategy", data.Paper.Strategy],
                ["base workload", "the paper's: 4 agents, 40 ticks (one tick = 1 s), access probability 0.75, V = 0.10 unless swept, every agent touching every artifact"],
                ["artifacts", "plan.md, design.md, state.json: 4,096 tokens each unless swept, at version 1 before the first tick"],
                ["signals", "delivered one tick after publication; none lost except in the signal-loss sweep"],
                ["faults", "none (the signal-loss sweep drops that share of signals)"],
                ["tool", ToolVersion()],
            ]);
        page.Paragraph($"The same command gives the same numbers: every run is driven by one seeded random source. The numbers are also in {JsonFile} beside this page, and each chart as PNG and SVG.", "note");
        return page.Build();
    }

    private static string Caption(SimulationSweep sweep) => sweep.Name switch
    {
        "volatility" => "Savings by write volatility V (the share of accesses that write): one curve per strategy, ± sd bars, the bound dashed.",
        "agents" => "Savings by fleet size (base-2 axis): more agents means more readers to invalidate and more writes per artifact.",
        "artifact-size" => "Savings by artifact size in tokens (base-2 axis): fetches and broadcast scale together, signals do not.",
        "signal-loss" => "Savings by the share of signals lost: a lost signal leaves a stale copy that is read for free, so savings rise while staleness (the table's stale reads) grows.",
        _ => $"Savings by {sweep.XLabel}.",
    };

    private static string SeedRange(IReadOnlyList<int> seeds) =>
        seeds.Count == 0 ? "no seeds"
        : seeds.Count == 1 ? $"seed {seeds[0]}"
        : seeds.Zip(seeds.Skip(1)).All(p => p.Second == p.First + 1) ? $"seeds {seeds[0]} to {seeds[^1]}"
        : "seeds " + string.Join(", ", seeds);

    private static string Percent(double value) => (value * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %";

    private static string Percent(MeanSd value) => Percent(value.Mean) + " ± " + Points(value.Sd);

    private static string Points(double sd) => (sd * 100).ToString("0.0", CultureInfo.InvariantCulture);

    private static string Number(double value) => value.ToString("#,0.##", CultureInfo.InvariantCulture);

    private static string ToolVersion() =>
        "coherence " + (typeof(SimulationReport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown");
}

using System.Globalization;
using AgentCoherence.Cli.Reports;
using AgentCoherence.Simulation;
using ScottPlot;

namespace AgentCoherence.Cli.Simulate;

/// <summary>
/// The simulation's charts (ScottPlot 5): savings against broadcast for each sweep, one curve per strategy with ± one
/// standard deviation as error bars and the theorem's lower bound as a dashed line, and the paper comparison. The
/// same data always draws the same chart.
/// </summary>
internal static class SimulationPlots
{
    public const int Width = 900;
    public const int Height = 440;

    /// <summary>The legend entry of the bound in every chart.</summary>
    public const string BoundLegend = "lower bound 1 − (n + W(d)) / S";

    private static readonly MarkerShape[] Shapes =
        [MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledDiamond, MarkerShape.OpenCircle];

    private static readonly LinePattern[] Patterns = [LinePattern.Solid, LinePattern.Solid, LinePattern.Solid, LinePattern.DenselyDashed, LinePattern.Dotted];

    /// <summary>The sweeps drawn on a base-2 axis (their values double).</summary>
    private static bool Doubling(string sweep) => sweep is "agents" or "artifact-size";

    /// <summary>Savings vs the swept value: a curve per strategy (mean, ± sd bars, nudged sideways so they do not hide each other) and the bound.</summary>
    public static Plot Sweep(SimulationSweep sweep)
    {
        ArgumentNullException.ThrowIfNull(sweep);
        var plot = SvgChart.NewPlot();
        plot.Title($"Savings vs broadcast by {sweep.XLabel} ({Seeds(sweep.Seeds)})");
        plot.XLabel(sweep.XLabel);
        plot.YLabel("savings vs full-state broadcast (%)");
        var xs = sweep.Series.Count == 0 ? [] : sweep.Series[0].Points.Select(p => p.X).ToArray();
        var positions = xs.Select(x => Position(sweep.Name, x)).ToArray();
        var nudge = Nudge(positions, sweep.Series.Count);
        var palette = new ScottPlot.Palettes.Category10();
        for (var i = 0; i < sweep.Series.Count; i++)
        {
            var series = sweep.Series[i];
            var offset = (i - ((sweep.Series.Count - 1) / 2.0)) * nudge;
            var at = series.Points.Select(p => Position(sweep.Name, p.X) + offset).ToArray();
            var means = series.Points.Select(p => p.Savings.Mean * 100).ToArray();
            var sds = series.Points.Select(p => p.Savings.Sd * 100).ToArray();
            Curve(plot, at, means, sds, series.Strategy, palette.GetColor(i), Shapes[i % Shapes.Length], Patterns[i % Patterns.Length]);
        }

        if (sweep.Series.Count > 0)
        {
            Bound(plot, positions, sweep.Series[0].Points.Select(p => p.LowerBound * 100).ToArray());
        }

        XTicks(plot, sweep.Name, xs);
        Finish(plot, positions);
        return plot;
    }

    /// <summary>The paper's table as a chart: its figures with its ± sd, ours in the paper's accounting, without the refused-write re-reads, in the full accounting, and the bound.</summary>
    public static Plot Paper(PaperComparison comparison)
    {
        ArgumentNullException.ThrowIfNull(comparison);
        var plot = SvgChart.NewPlot();
        plot.Title($"The paper (arXiv 2603.15183) and ours ({comparison.Strategy}, {Seeds(comparison.Seeds)})");
        plot.XLabel("write volatility V");
        plot.YLabel("savings vs full-state broadcast (%)");
        var rows = comparison.Rows;
        var vs = rows.Select(r => r.Volatility).ToArray();
        var nudge = Nudge(vs, 4);
        var palette = new ScottPlot.Palettes.Category10();
        (string Legend, Func<PaperRow, (double Mean, double Sd)> Value)[] curves =
        [
            ("paper (± its sd)", r => (r.PaperSavings, r.PaperSd ?? 0)),
            ("ours (paper's accounting)", r => (r.Ours.Mean, r.Ours.Sd)),
            ("ours, refused-write re-reads left out", r => (r.OursAsPaper.Mean, r.OursAsPaper.Sd)),
            ("ours (full accounting)", r => (r.OursFull.Mean, r.OursFull.Sd)),
        ];
        for (var i = 0; i < curves.Length; i++)
        {
            var offset = (i - 1.5) * nudge;
            var values = rows.Select(curves[i].Value).ToArray();
            Curve(
                plot,
                vs.Select(v => v + offset).ToArray(),
                values.Select(v => v.Mean * 100).ToArray(),
                values.Select(v => v.Sd * 100).ToArray(),
                curves[i].Legend,
                i == 0 ? Colors.Black : palette.GetColor(i - 1),
                i == 0 ? MarkerShape.OpenSquare : Shapes[i - 1],
                i == 0 ? LinePattern.DenselyDashed : LinePattern.Solid);
        }

        Bound(plot, vs, rows.Select(r => r.LowerBound * 100).ToArray());
        XTicks(plot, "volatility", vs);
        Finish(plot, vs);
        return plot;
    }

    private static void Curve(Plot plot, double[] xs, double[] means, double[] sds, string legend, Color color, MarkerShape shape, LinePattern pattern)
    {
        var bars = plot.Add.ErrorBar(xs, means, sds);
        bars.Color = color;
        bars.LineWidth = 1.5f;
        var line = plot.Add.Scatter(xs, means);
        line.Color = color;
        line.LegendText = legend;
        line.MarkerShape = shape;
        line.MarkerSize = 7;
        line.LineWidth = 2;
        line.LinePattern = pattern;
    }

    private static void Bound(Plot plot, double[] xs, double[] bound)
    {
        var line = plot.Add.Scatter(xs, bound);
        line.Color = Colors.DimGray;
        line.LegendText = BoundLegend;
        line.LinePattern = LinePattern.Dashed;
        line.LineWidth = 2;
        line.MarkerShape = MarkerShape.OpenTriangleDown;
        line.MarkerSize = 6;
    }

    private static void XTicks(Plot plot, string sweep, double[] xs) =>
        plot.Axes.Bottom.SetTicks(xs.Select(x => Position(sweep, x)).ToArray(), xs.Select(x => Label(sweep, x)).ToArray());

    /// <summary>Fixed axes (0 to 100 % up, the swept values with some room across) so every chart reads alike; the legend in the lower left, which the curves (all above the bound) leave empty.</summary>
    private static void Finish(Plot plot, double[] positions)
    {
        var (low, high) = positions.Length == 0 ? (0.0, 1.0) : (positions.Min(), positions.Max());
        var room = Math.Max(high - low, 1e-9) * 0.07;
        plot.Axes.SetLimits(low - room, high + room, 0, 102);
        plot.ShowLegend(Alignment.LowerLeft);
    }

    /// <summary>Where a value sits on the x axis: its log2 on the doubling sweeps, itself otherwise.</summary>
    private static double Position(string sweep, double x) => Doubling(sweep) ? Math.Log2(x) : x;

    private static string Label(string sweep, double x) => sweep switch
    {
        "signal-loss" => x.ToString("0%", CultureInfo.InvariantCulture),
        "volatility" => x.ToString("0.0#", CultureInfo.InvariantCulture),
        _ => x.ToString("#,0", CultureInfo.InvariantCulture),
    };

    /// <summary>How far apart neighbouring curves' points are drawn: a small share of the closest gap between x positions.</summary>
    private static double Nudge(double[] positions, int curves)
    {
        if (positions.Length < 2 || curves < 2)
        {
            return 0;
        }

        var gap = positions.Zip(positions.Skip(1), (a, b) => Math.Abs(b - a)).Min();
        return gap * 0.2 / (curves - 1);
    }

    private static string Seeds(IReadOnlyList<int> seeds) =>
        seeds.Count == 1 ? $"seed {seeds[0]}" : $"{seeds.Count} seeds";
}

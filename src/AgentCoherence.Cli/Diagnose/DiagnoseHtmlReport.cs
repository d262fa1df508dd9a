using System.Globalization;
using AgentCoherence.Cli.Reports;
using ScottPlot;

namespace AgentCoherence.Cli.Diagnose;

/// <summary>
/// <c>coherence diagnose --html</c>: the report as one self-contained page with sections <c>summary</c>,
/// <c>divergent-reads</c>, <c>silent-overwrites</c>, <c>would-be-refusals</c>, <c>hot-artifacts</c>, <c>tokens</c>,
/// <c>timelines</c> (a chart per artifact) and <c>staleness</c> (versions behind per agent).
/// </summary>
internal static class DiagnoseHtmlReport
{
    /// <summary>Rows a table shows; the JSON output has every row.</summary>
    public const int MaxRows = 500;

    /// <summary>Artifacts that get a timeline chart (the hottest first).</summary>
    public const int MaxTimelines = 12;

    /// <summary>Agents drawn in the staleness chart (the stalest first).</summary>
    public const int MaxAgentsPlotted = 12;

    public static string Build(DiagnoseReport report, string title)
    {
        ArgumentNullException.ThrowIfNull(report);
        var s = report.Summary;
        var start = s.First ?? default;
        var page = new HtmlPage($"coherence diagnose — {title}", $"What coherence would have prevented or did prevent in this recording ({Time(s.First)} to {Time(s.Last)}).");

        page.Section("summary", "Summary");
        page.Table(
            ["", "value"],
            [
                ["entries", N(s.Entries)],
                ["processes", N(s.Processes)],
                ["agents", N(s.Agents)],
                ["artifacts", N(s.Artifacts)],
                ["time span", DiagnoseConsoleRenderer.Duration(s.Span)],
                ["mode", s.Observe ? "observe (overrides recorded)" : "enforce"],
                ["writes landed", N(s.Writes)],
                ["silent overwrites", N(s.SilentOverwrites)],
                ["versions lost", N(s.LostVersions)],
                ["divergent reads", N(s.DivergentReads)],
                ["would-be refusals (observe)", N(s.WouldBeRefused)],
                ["refusals coherence made (prevented)", N(s.Prevented)],
                ["tokens saved by a coherent fleet", $"{N(report.Tokens.SavedTokens)} ({P(report.Tokens.SavingsWithSignals)})"],
                ["lines dropped by the recorder", s.Gaps == 0 ? "0" : $"{N(s.DroppedLines)} in {N(s.Gaps)} gap(s), first at {s.FirstGap}"],
            ]);
        if (s.GapText is { } gap)
        {
            page.Paragraph(gap, "bad");
        }

        if (s.SilentOverwrites == 0 && s.DivergentReads == 0)
        {
            page.Paragraph("No agent acted on a stale version.", "good");
        }
        else
        {
            page.Paragraph($"{N(s.SilentOverwrites)} silent overwrite(s) lost {N(s.LostVersions)} version(s); {N(s.DivergentReads)} act(s) on a stale version.", "bad");
        }

        page.Section("divergent-reads", "Divergent reads");
        page.Paragraph("An agent acted on a version older than the artifact's current one: a read served from its cache, or a write computed from it. Stale for: from when the first newer version landed until the agent's view reached the version current when it acted (or the end of the trace).", "note");
        if (report.DivergentReads.Count == 0)
        {
            page.Paragraph("None.");
        }
        else
        {
            page.Table(
                ["artifact", "agent", "acted by", "at", "acted on", "current", "behind", "stale for", "caught up", "line"],
                report.DivergentReads.Take(MaxRows).Select(d => (IReadOnlyList<string>)
                [
                    d.Key, d.Agent, d.Kind switch { DivergenceKind.CacheHit => "cache hit", DivergenceKind.Write => "write", _ => "override" },
                    Offset(d.At, start), "v" + N(d.ActedOn), "v" + N(d.Current), N(d.VersionsBehind), DiagnoseConsoleRenderer.Duration(d.StaleFor),
                    d.CaughtUp is { } c ? Offset(c, start) : "not by the end", ShortSource(d.Source),
                ]),
                report.DivergentReads.Count);
        }

        page.Section("silent-overwrites", "Silent overwrites");
        page.Paragraph("A write landed although it was computed from an old version: the versions in between were replaced without being read. Who clobbered whom, and what was lost.", "note");
        if (report.SilentOverwrites.Count == 0)
        {
            page.Paragraph("None.");
        }
        else
        {
            page.Table(
                ["artifact", "clobberer", "at", "based on", "wrote", "victims", "lost versions (writer, hash, tokens)", "lost tokens", "how", "line"],
                report.SilentOverwrites.Take(MaxRows).Select(o => (IReadOnlyList<string>)
                [
                    o.Key, o.Agent, Offset(o.At, start), "v" + N(o.BasedOn), "v" + N(o.Version), string.Join(", ", o.Victims),
                    string.Join("; ", o.Lost.Select(l => $"v{N(l.Version)} by {l.Writer ?? "?"} {DiagnoseConsoleRenderer.Short(l.Hash)} {(l.Tokens is { } t ? N(t) : "?")} tok")),
                    N(o.LostTokens), o.Override ? $"override ({o.Reason?.ToString() ?? "?"})" : "write", ShortSource(o.Source),
                ]),
                report.SilentOverwrites.Count);
        }

        page.Section("would-be-refusals", "Would-be refusals");
        page.Paragraph("Writes the protocol refused. In observe mode the write was applied anyway (would be refused); otherwise the refusal stood (prevented).", "note");
        if (report.Refusals.Count == 0)
        {
            page.Paragraph("None.");
        }
        else
        {
            page.Table(
                ["artifact", "agent", "operation", "at", "reason", "holder", "caller", "current", "outcome", "line"],
                report.Refusals.Take(MaxRows).Select(r => (IReadOnlyList<string>)
                [
                    r.Key, r.Agent, r.Operation.ToString(), Offset(r.At, start), r.Reason?.ToString() ?? "?", r.Holder ?? "", V(r.CallerVersion), V(r.Current),
                    r.Overridden ? $"would be refused (applied as v{N(r.OverrideVersion ?? 0)})" : "prevented", ShortSource(r.Source),
                ]),
                report.Refusals.Count);
        }

        page.Section("hot-artifacts", "Hot artifacts and contention");
        page.Table(
            ["artifact", "operations", "reads", "writes", "distinct writers", "writers", "refusals by reason", "overrides", "silent overwrites", "divergent reads", "latest version"],
            report.Artifacts.Take(MaxRows).Select(a => (IReadOnlyList<string>)
            [
                a.Key, N(a.Operations), N(a.Reads), N(a.Writes), N(a.Writers.Count), string.Join(", ", a.Writers),
                a.RefusalsByReason.Count == 0 ? "-" : string.Join(", ", a.RefusalsByReason.Select(r => $"{r.Key} {N(r.Value)}")),
                N(a.Overrides), N(a.SilentOverwrites), N(a.DivergentReads), "v" + N(a.LatestVersion),
            ]),
            report.Artifacts.Count);

        var t = report.Tokens;
        page.Section("tokens", "Tokens");
        page.Paragraph("The accounting of coherence bench tokens: the no-coherence baseline moves the whole content on every read (cache hits included) and every write; a coherent fleet pays the content it actually moved (misses and writes), 1 token per cache hit or current re-validation, plus the tokens of the signals it delivered.", "note");
        page.Table(
            ["", "value"],
            [
                ["reads", N(t.Reads)],
                ["of which cache hits", N(t.CacheHits)],
                ["of which current re-validations", N(t.Revalidations)],
                ["writes", N(t.Writes)],
                ["signals delivered", N(t.SignalsDelivered)],
                ["signal tokens", N(t.SignalTokens)],
                ["no-coherence baseline", N(t.BaselineTokens)],
                ["coherent, no signals", $"{N(t.CoherentTokensWithoutSignals)} ({P(t.SavingsWithoutSignals)} saved)"],
                ["coherent + signals", $"{N(t.CoherentTokensWithSignals)} ({P(t.SavingsWithSignals)} saved)"],
                ["reads of unknown size (counted 0)", N(t.ReadsOfUnknownSize)],
            ]);

        page.Section("timelines", "Timelines");
        page.Paragraph("Each artifact's version over time (seconds since the first entry): writes by writer, silent overwrites, observe-mode overrides and refusals marked.", "note");
        var charted = report.Artifacts.Take(MaxTimelines).Select(a => a.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var timeline in report.Timelines.Where(tl => charted.Contains(tl.Key)).OrderBy(tl => report.Artifacts.TakeWhile(a => a.Key != tl.Key).Count()))
        {
            page.Figure(Timeline(timeline, start), $"{timeline.Key}: version over time");
        }

        if (report.Timelines.Count > charted.Count)
        {
            page.Paragraph($"{report.Timelines.Count - charted.Count} less active artifacts are not charted.", "note");
        }

        page.Section("staleness", "Staleness per agent");
        page.Paragraph("How many versions behind the artifact's current version each agent was every time it acted (0: current).", "note");
        if (report.Staleness.Count > 0)
        {
            page.Figure(Staleness(report.Staleness, start), "versions behind, per agent, over time");
        }

        page.Table(
            ["agent", "acts", "acts on a stale version", "most versions behind"],
            report.Staleness.Select(a => (IReadOnlyList<string>)[a.Agent, N(a.Points.Count), N(a.Points.Count(p => p.VersionsBehind > 0)), N(a.MaxBehind)]));
        return page.Build();
    }

    private static string Timeline(ArtifactTimeline timeline, DateTimeOffset start)
    {
        var plot = SvgChart.NewPlot();
        plot.Title(timeline.Key);
        plot.XLabel("seconds since the first entry");
        plot.YLabel("version");
        IntegerTicks(plot);
        var landed = timeline.Points.Where(p => p.Event != TimelineEvent.Refusal).OrderBy(p => p.At).ToList();
        if (landed.Count > 1)
        {
            var line = plot.Add.Scatter(landed.Select(p => Seconds(p.At, start)).ToArray(), landed.Select(p => (double)p.Version).ToArray());
            line.ConnectStyle = ConnectStyle.StepHorizontal;
            line.MarkerSize = 0;
            line.Color = Colors.Gray.WithAlpha(0.6);
        }

        var palette = new ScottPlot.Palettes.Category10();
        var writers = landed.Where(p => p.Event == TimelineEvent.Write).Select(p => p.Agent).Distinct(StringComparer.Ordinal).ToList();
        for (var i = 0; i < writers.Count; i++)
        {
            Markers(plot, landed.Where(p => p.Event == TimelineEvent.Write && p.Agent == writers[i]), start, $"write by {writers[i]}", palette.GetColor(i), MarkerShape.FilledCircle, 7);
        }

        Markers(plot, landed.Where(p => p.Event == TimelineEvent.StaleWrite), start, "silent overwrite", Colors.Red, MarkerShape.FilledDiamond, 10);
        Markers(plot, landed.Where(p => p.Event == TimelineEvent.Override), start, "override (observe)", Colors.Red, MarkerShape.Cross, 12);
        Markers(plot, timeline.Points.Where(p => p.Event == TimelineEvent.Refusal), start, "refusal", Colors.Orange, MarkerShape.OpenTriangleUp, 10);
        plot.ShowLegend(Alignment.UpperLeft);
        return SvgChart.ToInlineSvg(plot, 900, 320, $"timeline of {timeline.Key}");
    }

    private static void Markers(Plot plot, IEnumerable<TimelinePoint> points, DateTimeOffset start, string legend, Color color, MarkerShape shape, float size)
    {
        var list = points.ToList();
        if (list.Count == 0)
        {
            return;
        }

        var scatter = plot.Add.ScatterPoints(list.Select(p => Seconds(p.At, start)).ToArray(), list.Select(p => (double)p.Version).ToArray());
        scatter.Color = color;
        scatter.MarkerShape = shape;
        scatter.MarkerSize = size;
        scatter.LegendText = legend;
    }

    private static string Staleness(IReadOnlyList<AgentStaleness> agents, DateTimeOffset start)
    {
        var plot = SvgChart.NewPlot();
        plot.Title("versions behind when acting");
        plot.XLabel("seconds since the first entry");
        plot.YLabel("versions behind");
        IntegerTicks(plot);
        var palette = new ScottPlot.Palettes.Category10();
        var i = 0;
        foreach (var agent in agents.OrderByDescending(a => a.MaxBehind).ThenBy(a => a.Agent, StringComparer.Ordinal).Take(MaxAgentsPlotted))
        {
            var points = agent.Points.OrderBy(p => p.At).ToList();
            var scatter = plot.Add.Scatter(points.Select(p => Seconds(p.At, start)).ToArray(), points.Select(p => (double)p.VersionsBehind).ToArray());
            scatter.ConnectStyle = ConnectStyle.StepHorizontal;
            scatter.Color = palette.GetColor(i++);
            scatter.MarkerSize = 6;
            scatter.LegendText = agent.Agent;
        }

        plot.ShowLegend(Alignment.UpperLeft);
        return SvgChart.ToInlineSvg(plot, 900, 320, "versions behind per agent");
    }

    /// <summary><c>file:line</c> without the file's directory (the summary names the recordings).</summary>
    internal static string ShortSource(string source) => source[(source.LastIndexOfAny(['/', '\\']) + 1)..];

    private static void IntegerTicks(Plot plot) =>
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };

    private static double Seconds(DateTimeOffset at, DateTimeOffset start) => (at - start).TotalSeconds;

    private static string Offset(DateTimeOffset at, DateTimeOffset start) => "+" + (at - start).TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture) + " s";

    private static string Time(DateTimeOffset? at) => at?.ToString("yyyy-MM-dd HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) is { } text ? text : "-";

    private static string N(long n) => DiagnoseConsoleRenderer.N(n);

    private static string P(double p) => DiagnoseConsoleRenderer.P(p);

    private static string V(long? v) => DiagnoseConsoleRenderer.V(v);
}

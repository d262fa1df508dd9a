using System.Globalization;
using Spectre.Console;

namespace AgentCoherence.Cli.Diagnose;

/// <summary>The diagnose report as Spectre.Console tables: summary, clobbers, would-be refusals, hot artifacts, tokens.</summary>
internal static class DiagnoseConsoleRenderer
{
    /// <summary>How many rows a long table shows before it says how many more there are.</summary>
    public const int MaxRows = 20;

    public static void Render(IAnsiConsole console, DiagnoseReport report, string title)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(report);
        console.Write(new Rule($"[bold]coherence diagnose[/] — {Markup.Escape(title)}").LeftJustified());
        RenderSummary(console, report);
        RenderOverwrites(console, report);
        RenderRefusals(console, report);
        RenderDivergent(console, report);
        RenderArtifacts(console, report);
        RenderTokens(console, report.Tokens);
    }

    /// <summary>The summary table and the one-line verdict (the part <c>demo --observe</c> prints).</summary>
    public static void RenderSummary(IAnsiConsole console, DiagnoseReport report)
    {
        var s = report.Summary;
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]summary[/]").HideHeaders().AddColumn("what").AddColumn(new TableColumn("value").RightAligned());
        table.AddRow("entries / processes", $"{N(s.Entries)} / {N(s.Processes)}");
        table.AddRow("agents / artifacts", $"{N(s.Agents)} / {N(s.Artifacts)}");
        table.AddRow("time span", Duration(s.Span));
        table.AddRow("mode", s.Observe ? "observe (overrides recorded)" : "enforce");
        table.AddRow("writes landed", N(s.Writes));
        table.AddRow(Colour("silent overwrites", s.SilentOverwrites), $"{N(s.SilentOverwrites)} ({N(s.LostVersions)} versions lost)");
        table.AddRow(Colour("divergent reads", s.DivergentReads), N(s.DivergentReads));
        table.AddRow(Colour("would-be refusals (observe)", s.WouldBeRefused), N(s.WouldBeRefused));
        table.AddRow("refusals coherence made (prevented)", N(s.Prevented));
        table.AddRow("tokens saved by a coherent fleet", $"{N(report.Tokens.SavedTokens)} ({P(report.Tokens.SavingsWithSignals)})");
        if (s.Gaps > 0)
        {
            table.AddRow("[yellow]lines dropped by the recorder[/]", $"{N(s.DroppedLines)} in {N(s.Gaps)} gap(s), first at {Markup.Escape(s.FirstGap ?? "?")}");
        }

        console.Write(table);
        if (s.GapText is { } gap)
        {
            console.MarkupLine($"[yellow]! {Markup.Escape(gap)}[/]");
        }

        console.MarkupLine(s.SilentOverwrites == 0 && s.DivergentReads == 0
            ? "[green]✓ no agent acted on a stale version[/]"
            : $"[red]✗ {N(s.SilentOverwrites)} silent overwrite(s) lost {N(s.LostVersions)} version(s); {N(s.DivergentReads)} act(s) on a stale version[/]"
              + (s.WouldBeRefused > 0 ? $" — coherence would have refused {N(s.WouldBeRefused)} write(s)" : string.Empty));
    }

    public static void RenderOverwrites(IAnsiConsole console, DiagnoseReport report)
    {
        if (report.SilentOverwrites.Count == 0)
        {
            return;
        }

        var table = new Table().Border(TableBorder.Rounded).Title("[bold red]silent overwrites[/] [grey](who clobbered whom; hashes in --json/--html)[/]")
            .AddColumn("artifact").AddColumn("clobberer").AddColumn("from → wrote").AddColumn("lost (writer, tokens)").AddColumn("how").AddColumn("line");
        foreach (var o in report.SilentOverwrites.Take(MaxRows))
        {
            var lost = string.Join("\n", o.Lost.Select(l => $"v{N(l.Version)} {l.Writer ?? "?"} {(l.Tokens is { } t ? N(t) : "?")}"));
            table.AddRow(
                Markup.Escape(o.Key),
                Markup.Escape(o.Agent),
                $"v{N(o.BasedOn)} → v{N(o.Version)}",
                Markup.Escape(lost),
                o.Override ? "override" : "write",
                Markup.Escape(DiagnoseHtmlReport.ShortSource(o.Source)));
        }

        console.Write(table);
        More(console, report.SilentOverwrites.Count);
    }

    public static void RenderRefusals(IAnsiConsole console, DiagnoseReport report)
    {
        if (report.Refusals.Count == 0)
        {
            return;
        }

        var table = new Table().Border(TableBorder.Rounded).Title("[bold]would-be refusals[/] [grey](observe: applied anyway; enforce: prevented)[/]")
            .AddColumn("artifact").AddColumn("agent").AddColumn("reason").AddColumn("caller / current").AddColumn("outcome").AddColumn("line");
        foreach (var r in report.Refusals.Take(MaxRows))
        {
            table.AddRow(
                Markup.Escape(r.Key),
                Markup.Escape(r.Agent),
                Markup.Escape((r.Reason?.ToString() ?? "?") + (r.Holder is { } h ? $" ({h})" : string.Empty)),
                $"{V(r.CallerVersion)} / {V(r.Current)}",
                r.Overridden ? $"[yellow]would be refused[/], applied as v{N(r.OverrideVersion ?? 0)}" : "[green]prevented[/]",
                Markup.Escape(DiagnoseHtmlReport.ShortSource(r.Source)));
        }

        console.Write(table);
        More(console, report.Refusals.Count);
    }

    public static void RenderDivergent(IAnsiConsole console, DiagnoseReport report)
    {
        if (report.DivergentReads.Count == 0)
        {
            return;
        }

        var table = new Table().Border(TableBorder.Rounded).Title("[bold]divergent reads[/] [grey](acted on an old version)[/]")
            .AddColumn("artifact").AddColumn("agent").AddColumn("by").AddColumn("on / current").AddColumn(new TableColumn("behind").RightAligned())
            .AddColumn(new TableColumn("stale for").RightAligned()).AddColumn("caught up");
        foreach (var d in report.DivergentReads.Take(MaxRows))
        {
            table.AddRow(
                Markup.Escape(d.Key),
                Markup.Escape(d.Agent),
                d.Kind switch { DivergenceKind.CacheHit => "cache hit", DivergenceKind.Write => "write", _ => "override" },
                $"v{N(d.ActedOn)} / v{N(d.Current)}",
                N(d.VersionsBehind),
                Duration(d.StaleFor),
                d.CaughtUp is null ? "[red]no[/]" : "yes");
        }

        console.Write(table);
        More(console, report.DivergentReads.Count);
    }

    public static void RenderArtifacts(IAnsiConsole console, DiagnoseReport report)
    {
        if (report.Artifacts.Count == 0)
        {
            return;
        }

        var table = new Table().Border(TableBorder.Rounded).Title("[bold]hot artifacts[/] [grey](by operations)[/]")
            .AddColumn("artifact").AddColumn(new TableColumn("ops").RightAligned()).AddColumn(new TableColumn("reads").RightAligned()).AddColumn(new TableColumn("writes").RightAligned())
            .AddColumn(new TableColumn("writers").RightAligned()).AddColumn("refusals").AddColumn(new TableColumn("overrides").RightAligned())
            .AddColumn(new TableColumn("clobbers").RightAligned()).AddColumn(new TableColumn("version").RightAligned());
        foreach (var a in report.Artifacts.Take(MaxRows))
        {
            table.AddRow(
                Markup.Escape(a.Key),
                N(a.Operations),
                N(a.Reads),
                N(a.Writes),
                N(a.Writers.Count),
                a.RefusalsByReason.Count == 0 ? "-" : string.Join(", ", a.RefusalsByReason.Select(r => $"{r.Key} {N(r.Value)}")),
                N(a.Overrides),
                N(a.SilentOverwrites),
                "v" + N(a.LatestVersion));
        }

        console.Write(table);
        More(console, report.Artifacts.Count);
    }

    public static void RenderTokens(IAnsiConsole console, TokenFigures t)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]tokens[/] [grey](accounting of bench tokens)[/]")
            .Caption("[grey]baseline: every read (hits included) and write moves the whole content; coherent: content actually moved, 1 per hit, + signal tokens[/]")
            .HideHeaders().AddColumn("what").AddColumn(new TableColumn("value").RightAligned());
        table.AddRow("reads (cache hits / current re-validations)", $"{N(t.Reads)} ({N(t.CacheHits)} / {N(t.Revalidations)})");
        table.AddRow("writes", N(t.Writes));
        table.AddRow("signals delivered / their tokens", $"{N(t.SignalsDelivered)} / {N(t.SignalTokens)}");
        table.AddRow("no-coherence baseline", N(t.BaselineTokens));
        table.AddRow("coherent, no signals", $"{N(t.CoherentTokensWithoutSignals)} ({P(t.SavingsWithoutSignals)} saved)");
        table.AddRow("[bold]coherent + signals[/]", $"[bold]{N(t.CoherentTokensWithSignals)} ({P(t.SavingsWithSignals)} saved)[/]");
        if (t.ReadsOfUnknownSize > 0)
        {
            table.AddRow("[grey]reads of unknown size (counted 0)[/]", N(t.ReadsOfUnknownSize));
        }

        console.Write(table);
    }

    internal static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    internal static string P(double p) => p.ToString("P1", CultureInfo.InvariantCulture);

    internal static string V(long? v) => v is { } x ? "v" + N(x) : "-";

    internal static string Short(string? hash) => hash is null ? "#?" : "#" + hash[..Math.Min(8, hash.Length)];

    internal static string Duration(TimeSpan t) =>
        t.TotalSeconds < 1 ? $"{t.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)} ms"
        : t.TotalMinutes < 1 ? $"{t.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s"
        : t.TotalHours < 1 ? $"{(int)t.TotalMinutes}m {t.Seconds:00}s"
        : $"{(int)t.TotalHours}h {t.Minutes:00}m";

    private static string Colour(string label, int count) => count > 0 ? $"[red]{label}[/]" : label;

    private static void More(IAnsiConsole console, int count)
    {
        if (count > MaxRows)
        {
            console.MarkupLine($"[grey]… and {N(count - MaxRows)} more (--json or --html lists all)[/]");
        }
    }
}

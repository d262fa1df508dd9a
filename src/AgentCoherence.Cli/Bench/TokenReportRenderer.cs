using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace AgentCoherence.Cli.Bench;

/// <summary>Renders the token report as Spectre tables or as JSON.</summary>
internal static class TokenReportRenderer
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>The report as camelCase JSON: <c>{ "workloads": [ ... ] }</c>.</summary>
    public static string ToJson(IReadOnlyList<WorkloadReport> reports) =>
        JsonSerializer.Serialize(new { workloads = reports }, s_json);

    /// <summary>One table per workload, then a summary.</summary>
    public static void Render(IAnsiConsole console, IReadOnlyList<WorkloadReport> reports)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(reports);
        console.Write(new Rule("[bold]coherence bench tokens[/] — lazy strategy, in-memory stack").LeftJustified());
        console.MarkupLine("[grey]a write or miss pays the content, a hit pays 1, a signal pays its measured o200k tokens; the no-coherence baseline pays the content on every read and write. Synthetic content sizes are declared.[/]");
        foreach (var r in reports)
        {
            console.WriteLine();
            var table = new Table().Border(TableBorder.Rounded)
                .Title($"[bold]{Markup.Escape(r.Name)}[/] [grey]({r.ContentTokens} tokens per artifact)[/]")
                .Caption($"[grey]{Markup.Escape(r.Description)}\n* same op counts, {r.ReferenceMethod.WrappedTokens}-token JSON-wrapped size per transfer on the coherent side, no signals[/]")
                .AddColumn("")
                .AddColumn(new TableColumn("[bold]AgentCoherence[/]").RightAligned())
                .AddColumn(new TableColumn("ref. method*").RightAligned())
                .AddColumn(new TableColumn("published").RightAligned());
            const string none = "[grey]–[/]";
            table.AddRow("reads / hits / misses", $"{N(r.Reads)} / {N(r.Hits)} / {N(r.Misses)}", $"{N(r.Reads)} / {N(r.Hits)} / {N(r.Misses)}", none);
            table.AddRow("hit rate", P(r.HitRate, 0), P(r.HitRate, 0), P(r.Published.HitRate, 0));
            table.AddRow("signals (sent → received)", $"{N(r.SignalsPublished)} → {N(r.Signals)}", none, none);
            table.AddRow("signal tokens (o200k)", N(r.SignalTokens), none, none);
            table.AddRow("baseline tokens", N(r.BaselineTokens), N(r.BaselineTokens), none);
            table.AddRow("coherent tokens, no signals", N(r.CoherentTokensWithoutSignals), N(r.ReferenceMethod.CoherentTokens), none);
            table.AddRow("[bold]saved, no signals[/]", $"[bold]{P(r.SavingsWithoutSignals, 1)}[/]", P(r.ReferenceMethod.Savings, 1), P(r.Published.Savings, 1));
            table.AddRow("coherent tokens + signals", N(r.CoherentTokensWithSignals), none, none);
            table.AddRow("[bold]saved, with signals[/]", $"[bold]{P(r.SavingsWithSignals, 1)}[/]", none, none);
            console.Write(table);
        }

        console.WriteLine();
        var summary = new Table().Border(TableBorder.Simple).Title("[bold]summary[/] [grey](saved = 1 − coherent / baseline)[/]")
            .AddColumn("workload")
            .AddColumn(new TableColumn("hit").RightAligned())
            .AddColumn(new TableColumn("baseline").RightAligned())
            .AddColumn(new TableColumn("coherent").RightAligned())
            .AddColumn(new TableColumn("saved").RightAligned())
            .AddColumn(new TableColumn("+signals").RightAligned())
            .AddColumn(new TableColumn("ref.*").RightAligned())
            .AddColumn(new TableColumn("published").RightAligned());
        foreach (var r in reports)
        {
            summary.AddRow(
                Markup.Escape(r.Name),
                P(r.HitRate, 0),
                N(r.BaselineTokens),
                N(r.CoherentTokensWithoutSignals),
                P(r.SavingsWithoutSignals, 1),
                P(r.SavingsWithSignals, 1),
                P(r.ReferenceMethod.Savings, 1),
                P(r.Published.Savings, 1));
        }

        console.Write(summary);
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string P(double fraction, int decimals) => (fraction * 100).ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) + "%";
}

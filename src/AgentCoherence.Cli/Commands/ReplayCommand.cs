using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using AgentCoherence.Recording;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AgentCoherence.Cli.Commands;

/// <summary>
/// <c>coherence replay &lt;recording…&gt; [--json]</c>: invariant replay of recordings (files or directories of
/// <c>*.jsonl</c>), merged by time, through <see cref="RecordingReplay"/>.
/// Exit codes: 0 clean; 1 an invariant violation or a divergent outcome (the first one is printed with its step,
/// file:line, check, expected vs recorded and context); 2 unreadable input (the message names file and line);
/// 3 a schema version this tool does not read. A recording with a gap (lines its recorder dropped) is checked up to
/// its first gap; the output names the gap, and the exit code is that of the checked part.
/// </summary>
internal sealed class ReplayCommand(IAnsiConsole console, CliErrors errors) : AsyncCommand<ReplayCommand.Settings>
{
    public const int Diverged = 1;
    public const int Unreadable = 2;
    public const int UnsupportedSchema = 3;

    internal sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<RECORDING>")]
        [Description("Recording files, or directories standing for their *.jsonl files; several are merged by time.")]
        public string[] Recordings { get; init; } = [];

        [CommandOption("--json")]
        [Description("Print the report as one JSON document (format coherence-replay/1, see docs/replay.md) and nothing else.")]
        public bool Json { get; init; }

        [CommandOption("--budget <STEPS>")]
        [Description("How many steps the order search may apply before it reports that it could not find an order.")]
        [DefaultValue(RecordingReplay.DefaultStepBudget)]
        public int Budget { get; init; } = RecordingReplay.DefaultStepBudget;

        public override ValidationResult Validate() =>
            Budget < 1 ? ValidationResult.Error("--budget must be at least 1.") : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ReplayReport report;
        try
        {
            var entries = await RecordingReader.ReadMergedAsync(settings.Recordings, cancellationToken);
            report = RecordingReplay.Check(entries, settings.Budget);
        }
        catch (RecordingFormatException ex)
        {
            return Fail(settings, Unreadable, "unreadable", ex.Message, ex.Path, ex.Line);
        }
        catch (UnsupportedRecordingSchemaException ex)
        {
            return Fail(settings, UnsupportedSchema, "unsupported-schema", ex.Message, ex.Path, 0);
        }

        if (settings.Json)
        {
            console.Profile.Out.Writer.WriteLine(ToJson(report, settings.Recordings));
        }
        else
        {
            Render(report);
        }

        return report.Clean ? 0 : Diverged;
    }

    private int Fail(Settings settings, int code, string status, string message, string path, int line)
    {
        if (settings.Json)
        {
            console.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["format"] = "coherence-replay/1",
                ["status"] = status,
                ["exitCode"] = code,
                ["error"] = new Dictionary<string, object?> { ["file"] = path, ["line"] = line, ["message"] = message },
            }));
        }

        errors.Writer.WriteLine($"coherence replay: {message}");
        return code;
    }

    private void Render(ReplayReport report)
    {
        var summary = $"{Count(report.Entries, "entry", "entries")}, {Count(report.StoreOperations, "store operation", "store operations")} in {Count(report.Partitions, "artifact partition", "artifact partitions")}, "
            + $"{report.SearchSteps.ToString(CultureInfo.InvariantCulture)} search steps, {report.Reordered.ToString(CultureInfo.InvariantCulture)} reordered, "
            + $"{report.UncertainApplied.ToString(CultureInfo.InvariantCulture)} uncertain attempts found applied, {report.Overrides.ToString(CultureInfo.InvariantCulture)} overrides, "
            + $"{report.CacheHits.ToString(CultureInfo.InvariantCulture)} cache hits and {report.SignalsDelivered.ToString(CultureInfo.InvariantCulture)} delivered signals checked";
        if (report.FirstGap is { } gap)
        {
            console.MarkupLine($"[yellow]incomplete[/]: {Markup.Escape(GapText(report, gap))}");
        }

        if (report.FirstDivergence is not { } first)
        {
            console.MarkupLine(report.Complete
                ? $"[green]clean[/]: {Markup.Escape(summary)}."
                : $"[green]clean up to the gap[/]: {Markup.Escape(summary)}.");
        }
        else
        {
            console.MarkupLine($"[red]diverged[/] at step {first.Step.ToString(CultureInfo.InvariantCulture)} ({Markup.Escape(first.Source)}): [bold]{Markup.Escape(first.Check)}[/]");
            console.MarkupLine($"  {Markup.Escape(first.Message)}");
            if (first.Expected is not null || first.Recorded is not null)
            {
                console.MarkupLine($"  expected: {Markup.Escape(first.Expected ?? "-")}");
                console.MarkupLine($"  recorded: {Markup.Escape(first.Recorded ?? "-")}");
            }

            if (first.Context.Count > 0)
            {
                var table = new Table().Border(TableBorder.Rounded).Title("replayed just before");
                table.AddColumn("source");
                table.AddColumn("op");
                table.AddColumn("agent");
                table.AddColumn("key");
                table.AddColumn("outcome");
                foreach (var e in first.Context)
                {
                    table.AddRow(Markup.Escape(e.Source), Markup.Escape(e.Op.ToString()), Markup.Escape(e.Agent ?? "-"), Markup.Escape(e.Key ?? "-"), Markup.Escape(Outcome(e)));
                }

                console.Write(table);
            }

            if (first.Stuck.Count > 0)
            {
                console.MarkupLine("  could go next, none fits: " + Markup.Escape(string.Join(", ", first.Stuck.Select(e => $"{e.Op} by {e.Agent} ({e.Source})"))));
            }

            if (report.Divergences.Count > 1)
            {
                console.MarkupLine($"  and {(report.Divergences.Count - 1).ToString(CultureInfo.InvariantCulture)} more (--json lists them all).");
            }

            console.MarkupLine(Markup.Escape(summary) + ".");
        }

        foreach (var note in report.Notes)
        {
            console.MarkupLine($"[yellow]note[/]: {Markup.Escape(note)}");
        }
    }

    internal static string GapText(ReplayReport report, RecordingEntry gap) =>
        $"the recorder dropped {Count(gap.Dropped ?? 0, "line", "lines")} at {gap.Source} (its queue was full, {gap.Started:O} to {gap.Completed:O}).\n"
        + $"  Only the {Count(report.Entries - report.Unchecked, "entry", "entries")} before it were checked; {Count(report.Unchecked, "entry", "entries")} from there on were not"
        + (report.Gaps > 1 ? $" ({Count(report.Gaps, "gap", "gaps")}, {Count(report.DroppedLines, "line", "lines")} dropped in all)." : ".");

    private static string Count(long n, string one, string many) => $"{n.ToString(CultureInfo.InvariantCulture)} {(n == 1 ? one : many)}";

    private static string Count(int n, string one, string many) => $"{n.ToString(CultureInfo.InvariantCulture)} {(n == 1 ? one : many)}";

    private static string Outcome(RecordingEntry e) =>
        e.Outcome.ToString() + (e.Reason is { } r ? " " + r : "") + (e.Version is { } v ? $" v{v.ToString(CultureInfo.InvariantCulture)}" : "");

    internal static string ToJson(ReplayReport report, IReadOnlyList<string> recordings)
    {
        static Dictionary<string, object?> Entry(RecordingEntry e) => new()
        {
            ["source"] = e.Source,
            ["op"] = JsonNamingPolicy.CamelCase.ConvertName(e.Op.ToString()),
            ["agent"] = e.Agent,
            ["key"] = e.Key,
            ["outcome"] = JsonNamingPolicy.CamelCase.ConvertName(e.Outcome.ToString()),
            ["reason"] = e.Reason is { } r ? JsonNamingPolicy.CamelCase.ConvertName(r.ToString()) : null,
            ["version"] = e.Version,
        };

        var document = new Dictionary<string, object?>
        {
            ["format"] = "coherence-replay/1",
            ["status"] = !report.Clean ? "diverged" : report.Complete ? "clean" : "incomplete",
            ["exitCode"] = report.Clean ? 0 : Diverged,
            ["recordings"] = recordings,
            ["complete"] = report.Complete,
            ["gap"] = report.FirstGap is { } gap
                ? new Dictionary<string, object?>
                {
                    ["source"] = gap.Source,
                    ["file"] = gap.File,
                    ["line"] = gap.Line,
                    ["dropped"] = gap.Dropped,
                    ["started"] = gap.Started,
                    ["completed"] = gap.Completed,
                    ["gaps"] = report.Gaps,
                    ["droppedLines"] = report.DroppedLines,
                    ["unchecked"] = report.Unchecked,
                }
                : null,
            ["entries"] = report.Entries,
            ["storeOperations"] = report.StoreOperations,
            ["partitions"] = report.Partitions,
            ["searchSteps"] = report.SearchSteps,
            ["reordered"] = report.Reordered,
            ["uncertainApplied"] = report.UncertainApplied,
            ["overrides"] = report.Overrides,
            ["cacheHits"] = report.CacheHits,
            ["signalsDelivered"] = report.SignalsDelivered,
            ["notes"] = report.Notes,
            ["divergences"] = report.Divergences.Select(d => new Dictionary<string, object?>
            {
                ["step"] = d.Step,
                ["source"] = d.Source,
                ["check"] = d.Check,
                ["message"] = d.Message,
                ["expected"] = d.Expected,
                ["recorded"] = d.Recorded,
                ["entry"] = Entry(d.Entry),
                ["context"] = d.Context.Select(Entry).ToList(),
                ["stuck"] = d.Stuck.Select(Entry).ToList(),
            }).ToList(),
        };
        return JsonSerializer.Serialize(document);
    }
}

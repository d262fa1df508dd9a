using System.ComponentModel;
using AgentCoherence.Cli.Diagnose;
using AgentCoherence.Recording;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AgentCoherence.Cli.Commands;

/// <summary>
/// <c>coherence diagnose &lt;recording…&gt; [--html report.html] [--json]</c>: what coherence would have prevented
/// or did prevent in a recorded run — divergent reads, silent overwrites, would-be refusals, hot artifacts, tokens.
/// </summary>
/// <remarks>
/// Exit codes: 0 analysed (whatever it found); 1 the HTML report could not be written; 2 a recording cannot be
/// read (missing, not a recording, a truncated or garbage line: the message names file:line); 3 a recording's
/// schema version is newer than this tool reads. Errors go to standard error.
/// </remarks>
internal sealed class DiagnoseCommand(IAnsiConsole console, CliErrors errors) : AsyncCommand<DiagnoseCommand.Settings>
{
    public const int ReportNotWritten = 1;
    public const int Unreadable = 2;
    public const int UnsupportedSchema = 3;

    internal sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<RECORDING>")]
        [Description("Recording files (.jsonl) or directories (every *.jsonl in them); several processes' files are merged by time.")]
        public string[] Recordings { get; init; } = [];

        [CommandOption("--html <PATH>")]
        [Description("Also write the report as one self-contained HTML file (charts inline, readable offline).")]
        public string? Html { get; init; }

        [CommandOption("--json")]
        [Description("Print the report as one JSON document (format coherence-diagnose/1, see docs/diagnose.md) and nothing else.")]
        public bool Json { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        IReadOnlyList<RecordingEntry> entries;
        try
        {
            entries = await RecordingReader.ReadMergedAsync(settings.Recordings, cancellationToken);
        }
        catch (RecordingFormatException ex)
        {
            return Fail(Unreadable, ex.Message);
        }
        catch (UnsupportedRecordingSchemaException ex)
        {
            return Fail(UnsupportedSchema, ex.Message);
        }

        var report = TraceAnalyzer.Analyze(entries);
        var files = RecordingReader.Expand(settings.Recordings);
        var title = files.Count == 1 ? Path.GetFileName(files[0]) : $"{files.Count} files";
        if (settings.Html is { } html)
        {
            try
            {
                var directory = Path.GetDirectoryName(Path.GetFullPath(html));
                if (directory is not null)
                {
                    Directory.CreateDirectory(directory);
                }

                await File.WriteAllTextAsync(html, DiagnoseHtmlReport.Build(report, title), cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
            {
                return Fail(ReportNotWritten, $"--html {html}: the report cannot be written ({ex.Message}).");
            }
        }

        if (settings.Json)
        {
            console.Profile.Out.Writer.WriteLine(DiagnoseJson.ToJson(report));
        }
        else
        {
            DiagnoseConsoleRenderer.Render(console, report, title);
            if (settings.Html is { } written)
            {
                console.MarkupLine($"report written to [blue]{Markup.Escape(Path.GetFullPath(written))}[/]");
            }
        }

        return 0;
    }

    private int Fail(int code, string message)
    {
        errors.Writer.WriteLine($"coherence diagnose: {message}");
        return code;
    }
}

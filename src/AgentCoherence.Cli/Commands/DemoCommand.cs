using System.ComponentModel;
using AgentCoherence.Cli.Demo;
using AgentCoherence.Recording;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AgentCoherence.Cli.Commands;

/// <summary><c>coherence demo</c>: the user's story on the in-memory stack.</summary>
internal sealed class DemoCommand(IAnsiConsole console, CliErrors errors) : AsyncCommand<DemoCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--updaters <N>")]
        [Description("Concurrent agents in the optimistic part (default 8).")]
        [DefaultValue(8)]
        public int Updaters { get; init; } = 8;

        [CommandOption("--increments <N>")]
        [Description("UpdateAsync increments per agent (default 25).")]
        [DefaultValue(25)]
        public int Increments { get; init; } = 25;

        [CommandOption("--files")]
        [Description("Tell the story on real files: two CoherentVolumes over a temporary workspace.")]
        public bool Files { get; init; }

        [CommandOption("--observe")]
        [Description("Run the uncoordinated story in observe mode, record it, and print what coherence diagnose finds: every write enforcement would have refused.")]
        public bool Observe { get; init; }

        [CommandOption("--record <DIR>")]
        [Description("With --observe: keep the recording in this directory (default: a temporary directory, deleted afterwards).")]
        public string? Record { get; init; }

        public override ValidationResult Validate() =>
            Updaters < 1 || Updaters > 256 ? ValidationResult.Error("--updaters must be between 1 and 256.")
            : Increments < 1 || Increments > 10_000 ? ValidationResult.Error("--increments must be between 1 and 10000.")
            : Record is not null && !Observe ? ValidationResult.Error("--record needs --observe.")
            : Observe && Files ? ValidationResult.Error("--observe and --files cannot be combined.")
            : Observe && Updaters < 2 ? ValidationResult.Error("--observe needs at least 2 --updaters (they race on the counter).")
            : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Observe)
        {
            return await ObserveAsync(settings, cancellationToken);
        }

        if (settings.Files)
        {
            var files = await FileDemoStory.RunAsync(console, cancellationToken: cancellationToken);
            return files.Succeeded ? 0 : 1;
        }

        var outcome = await DemoStory.RunAsync(console, settings.Updaters, settings.Increments, cancellationToken);
        return outcome.Succeeded ? 0 : 1;
    }

    private async Task<int> ObserveAsync(Settings settings, CancellationToken cancellationToken)
    {
        var keep = settings.Record is not null;
        var directory = settings.Record ?? Path.Combine(Path.GetTempPath(), "coherence-demo-observe", Guid.NewGuid().ToString("N"));
        if (keep && Directory.Exists(directory) && Directory.EnumerateFiles(directory, "*.jsonl").Any())
        {
            // Diagnose reads every recording in the directory: an earlier run's would be merged into this one's.
            errors.Writer.WriteLine($"coherence demo: --record {directory}: the directory already holds recordings (*.jsonl); give a new or empty directory.");
            return 2;
        }

        try
        {
            var outcome = await ObserveDemoStory.RunAsync(console, directory, settings.Updaters, cancellationToken);
            console.MarkupLine(keep
                ? $"the recording stays in [blue]{Markup.Escape(directory)}[/]: [grey]coherence diagnose {Markup.Escape(directory)} --html report.html[/]"
                : "[grey]--record <dir> keeps the recording, for coherence diagnose <dir> --html report.html[/]");
            return outcome.Succeeded ? 0 : 1;
        }
        catch (RecordingUnavailableException ex)
        {
            errors.Writer.WriteLine($"coherence demo: --record {directory}: {ex.Message}");
            return 2;
        }
        finally
        {
            if (!keep)
            {
                try
                {
                    Directory.Delete(directory, recursive: true);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // A temporary directory: the OS cleans up what is left.
                }
            }
        }
    }
}

using System.ComponentModel;
using AgentCoherence.Cli.Demo;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AgentCoherence.Cli.Commands;

/// <summary><c>coherence demo</c>: the user's story on the in-memory stack.</summary>
internal sealed class DemoCommand(IAnsiConsole console) : AsyncCommand<DemoCommand.Settings>
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

        public override ValidationResult Validate() =>
            Updaters < 1 || Updaters > 256 ? ValidationResult.Error("--updaters must be between 1 and 256.")
            : Increments < 1 || Increments > 10_000 ? ValidationResult.Error("--increments must be between 1 and 10000.")
            : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Files)
        {
            var files = await FileDemoStory.RunAsync(console, cancellationToken: cancellationToken);
            return files.Succeeded ? 0 : 1;
        }

        var outcome = await DemoStory.RunAsync(console, settings.Updaters, settings.Increments, cancellationToken);
        return outcome.Succeeded ? 0 : 1;
    }
}

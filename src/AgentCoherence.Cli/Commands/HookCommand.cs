using System.ComponentModel;
using AgentCoherence.Cli.Hook;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AgentCoherence.Cli.Commands;

/// <summary>
/// <c>coherence hook &lt;event&gt;</c>: one Claude Code hook call (JSON on stdin, JSON on stdout), see <see cref="ClaudeHook"/>.
/// Program.cs runs the same code without building the command tree, which keeps the hook's start-up short.
/// </summary>
internal sealed class HookCommand(CliErrors errors) : AsyncCommand<HookCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<event>")]
        [Description("pre-tool-use or post-tool-use.")]
        public string Event { get; init; } = "";

        public override ValidationResult Validate() =>
            ClaudeHook.EventNameOf(Event) is null
                ? ValidationResult.Error($"Unknown hook event '{Event}': expected pre-tool-use or post-tool-use.")
                : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        using var stdin = Console.OpenStandardInput();
        return await ClaudeHook.RunAsync(settings.Event, stdin, Console.Out, errors.Writer, Environment.GetEnvironmentVariable("CLAUDE_PROJECT_DIR"), cancellationToken);
    }
}

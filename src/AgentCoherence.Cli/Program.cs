using AgentCoherence.Cli;
using AgentCoherence.Cli.Hook;

// A Claude Code hook call runs once per tool call: it skips building the command tree (reflection over every
// command), which is most of the CLI's start-up. `coherence hook --help` still goes through the tree.
if (args is ["hook", var hookEvent] && ClaudeHook.EventNameOf(hookEvent) is not null)
{
    using var stdin = Console.OpenStandardInput();
    return await ClaudeHook.RunAsync(hookEvent, stdin, Console.Out, Console.Error, Environment.GetEnvironmentVariable("CLAUDE_PROJECT_DIR"));
}

return await CliApp.Create().RunAsync(args);

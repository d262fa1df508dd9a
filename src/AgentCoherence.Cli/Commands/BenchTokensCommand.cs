using System.ComponentModel;
using AgentCoherence.Cli.Bench;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AgentCoherence.Cli.Commands;

/// <summary><c>coherence bench tokens [--json]</c>: the token report of the reference workloads.</summary>
internal sealed class BenchTokensCommand(IAnsiConsole console) : AsyncCommand<BenchTokensCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--json")]
        [Description("Print the report as JSON (camelCase) and nothing else.")]
        public bool Json { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var reports = await TokenWorkloads.RunAllAsync(cancellationToken);
        if (settings.Json)
        {
            await console.Profile.Out.Writer.WriteLineAsync(TokenReportRenderer.ToJson(reports).AsMemory(), cancellationToken);
        }
        else
        {
            TokenReportRenderer.Render(console, reports);
        }

        return 0;
    }
}

using AgentCoherence.Cli.Commands;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AgentCoherence.Cli;

/// <summary>The <c>coherence</c> command tree.</summary>
internal static class CliApp
{
    public static CommandApp Create(IAnsiConsole? console = null)
    {
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("coherence");
            if (console is not null)
            {
                config.ConfigureConsole(console);
            }

            config.AddCommand<DemoCommand>("demo")
                .WithDescription("The story in 20 seconds: a silently lost edit, then the same edit refused, reacquired and kept; then N optimistic updaters.")
                .WithExample("demo")
                .WithExample("demo", "--updaters", "16", "--increments", "50")
                .WithExample("demo", "--files");
            config.AddBranch("volume", volume =>
            {
                volume.SetDescription("Inspect a CoherentVolume (files shared by agent processes).");
                volume.AddCommand<VolumeStatusCommand>("status")
                    .WithDescription("Each managed file's version, holders (agent:MESI state) and grant.")
                    .WithExample("volume", "status", ".")
                    .WithExample("volume", "status", "/work/space", "--managed", "plans/**");
            });
            config.AddBranch("bench", bench =>
            {
                bench.SetDescription("Benchmarks that run in seconds.");
                bench.AddCommand<BenchTokensCommand>("tokens")
                    .WithDescription("Token report of the reference workloads (planning, code review, high churn): hits, misses, signals, savings.")
                    .WithExample("bench", "tokens")
                    .WithExample("bench", "tokens", "--json");
            });
        });
        return app;
    }
}

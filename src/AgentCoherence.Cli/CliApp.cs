using System.Reflection;
using AgentCoherence.Cli.Commands;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AgentCoherence.Cli;

/// <summary>The <c>coherence</c> command tree.</summary>
internal static class CliApp
{
    /// <summary>
    /// The version <c>coherence --version</c> prints: the CLI assembly's informational version, which the SDK's
    /// SourceLink support ends with <c>+</c> and the commit the tool was built from.
    /// </summary>
    public static string Version =>
        typeof(CliApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(CliApp).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    /// <summary>The exit code of a usage error: an unknown option or command, or an option value that fails validation.</summary>
    public const int UsageError = 2;

    /// <param name="console">Where commands write; the terminal when null.</param>
    /// <param name="clock">The clock ages are measured against (<c>status</c>); the system clock when null.</param>
    /// <param name="errors">Where commands write error messages; standard error when null.</param>
    public static CommandApp Create(IAnsiConsole? console = null, TimeProvider? clock = null, TextWriter? errors = null)
    {
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("coherence");
            config.SetApplicationVersion(Version);
            // An unknown or misspelled option is an error, not silently ignored (the command would run with defaults).
            config.UseStrictParsing();
            // A usage error (unknown option or command, a value that fails validation) exits 2, the code every
            // command documents for bad options; anything else keeps the library's -1 (255 in a shell).
            config.SetExceptionHandler((ex, _) =>
            {
                var output = console ?? AnsiConsole.Console;
                if (ex is CommandParseException { Pretty: { } pretty })
                {
                    output.Write(pretty);
                }
                else if (ex is CommandRuntimeException)
                {
                    output.MarkupLine($"[red]Error:[/] {Markup.Escape(ex.Message)}");
                }
                else
                {
                    output.WriteException(ex, ExceptionFormats.ShortenEverything);
                    return -1;
                }

                return UsageError;
            });
            if (console is not null)
            {
                config.ConfigureConsole(console);
            }

            config.Settings.Registrar.RegisterInstance<TimeProvider>(clock ?? TimeProvider.System);
            config.Settings.Registrar.RegisterInstance(new CliErrors(errors ?? Console.Error));

            config.AddCommand<DemoCommand>("demo")
                .WithDescription("The story in 20 seconds: a silently lost edit, then the same edit refused, reacquired and kept; then N optimistic updaters.")
                .WithExample("demo")
                .WithExample("demo", "--updaters", "16", "--increments", "50")
                .WithExample("demo", "--files");
            config.AddCommand<StatusCommand>("status")
                .WithDescription("Who holds what in a store: artifacts with versions, holders and grants, agents with their last heartbeat, recent reclaims. Read-only. Exit 0 ok, 1 store unreachable, 2 bad options.")
                .WithExample("status", "--demo")
                .WithExample("status", "--sqlite", "./coherence.db")
                .WithExample("status", "--redis", "localhost:6379", "--key-prefix", "agentcoherence:")
                .WithExample("status", "--redis", "localhost:6379", "--json");
            config.AddBranch("volume", volume =>
            {
                volume.SetDescription("Inspect a CoherentVolume (files shared by agent processes).");
                volume.AddCommand<VolumeStatusCommand>("status")
                    .WithDescription("Each managed file's version, holders (agent:MESI state) and grant.")
                    .WithExample("volume", "status", ".")
                    .WithExample("volume", "status", "/work/space", "--managed", "plans/**");
            });
            config.AddCommand<ReplayCommand>("replay")
                .WithDescription("Invariant replay of recordings: re-applies every recorded store operation through the protocol's rules in a real-time-consistent order, checks every outcome and invariant, and prints the first divergence with its file:line and context. Exit 0 clean, 1 divergence, 2 unreadable input, 3 unsupported schema.")
                .WithExample("replay", "./recordings")
                .WithExample("replay", "host-a.jsonl", "host-b.jsonl")
                .WithExample("replay", "./recordings", "--json");
            config.AddCommand<DiagnoseCommand>("diagnose")
                .WithDescription("What coherence would have prevented or did prevent in a recording: divergent reads, silent overwrites (who clobbered whom, what was lost), would-be refusals, hot artifacts, tokens saved. Exit 0 analysed, 1 --html not written, 2 unreadable recording (names file:line), 3 unsupported schema.")
                .WithExample("diagnose", "./recordings")
                .WithExample("diagnose", "run-a.jsonl", "run-b.jsonl", "--html", "report.html")
                .WithExample("diagnose", "./recordings", "--json");
            config.AddCommand<HookCommand>("hook")
                .WithDescription("A Claude Code hook call: hook input JSON on stdin, the hook's answer JSON on stdout (exit 0). Managed files (.coherence/claude.json) are checked and committed through the repository's CoherentVolume.")
                .WithExample("hook", "pre-tool-use")
                .WithExample("hook", "post-tool-use");
            config.AddBranch<SimulateSettings>("simulate", simulate =>
            {
                simulate.SetDescription("Deterministic fleet simulation (real agents, simulated bus and clock, seeded faults): the paper's table, runs, sweeps, and the seed explorer (--fuzz). Exit 1 when an invariant broke.");
                simulate.SetDefaultCommand<SimulateFuzzCommand>();
                simulate.AddCommand<SimulatePaperCommand>("paper")
                    .WithDescription("The paper's savings table (arXiv 2603.15183) beside ours, mean ± sd over the seeds, with the theorem's lower bound.")
                    .WithExample("simulate", "paper")
                    .WithExample("simulate", "paper", "--strategy", "eager", "--json");
                simulate.AddCommand<SimulateRunCommand>("run")
                    .WithDescription("One workload: one seed's result (--seed) or the summary over seeds 1..N (--seeds), with ticks/s.")
                    .WithExample("simulate", "run", "--workload", "paper-v0.25", "--seeds", "10")
                    .WithExample("simulate", "run", "--workload", "fuzz-42", "--seed", "42", "--faults", "all");
                simulate.AddCommand<SimulateSweepCommand>("sweep")
                    .WithDescription("Savings vs V, agents, artifact size or signal loss, one curve per strategy, with the lower bound.")
                    .WithExample("simulate", "sweep", "volatility")
                    .WithExample("simulate", "sweep", "all", "--seeds", "5", "--json");
            });
            config.AddBranch("bench", bench =>
            {
                bench.SetDescription("Benchmarks that run in seconds.");
                bench.AddCommand<BenchTokensCommand>("tokens")
                    .WithDescription("Token report of the reference workloads (planning, code review, high churn): hits, misses, signals, savings.")
                    .WithExample("bench", "tokens")
                    .WithExample("bench", "tokens", "--json");
                bench.AddCommand<BenchHookCommand>("hook")
                    .WithDescription("Latency of one Claude Code hook call, process start included: median and p90 over --runs calls of each kind.")
                    .WithExample("bench", "hook")
                    .WithExample("bench", "hook", "--runs", "100");
            });
        });
        return app;
    }
}

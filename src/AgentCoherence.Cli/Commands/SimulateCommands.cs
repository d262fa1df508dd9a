using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using AgentCoherence.Cli.Simulate;
using AgentCoherence.Simulation;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AgentCoherence.Cli.Commands;

/// <summary>Options every <c>simulate</c> command shares.</summary>
internal class SimulateSettings : CommandSettings
{
    [CommandOption("--json")]
    [Description("Print the result as JSON (camelCase) and nothing else.")]
    public bool Json { get; init; }

    [CommandOption("--strategy <STRATEGY>")]
    [Description("Cache strategy: lazy (default), eager, lease, access-count, broadcast. 'sweep' takes a comma-separated list (default: all five).")]
    public string? Strategy { get; init; }

    [CommandOption("--faults <FAULTS>")]
    [Description("none (default; 'all' with --fuzz), all, or a comma-separated list: crash, stall, loss, duplication, delay, reorder, partition, outage, lost-reply.")]
    public string? Faults { get; init; }

    [CommandOption("--store <STORE>")]
    [Description("The store the fleet shares: memory (default) or sqlite (a SqliteDirectoryStore on a temporary database file per run, deleted after it).")]
    public string? Store { get; init; }

    public override ValidationResult Validate()
    {
        try
        {
            _ = Strategy is null ? default : Strategy.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Simulator.ParseStrategy).ToList();
            _ = Faults is null ? null : SimulationFaults.Parse(Faults);
            return ValidationResult.Success();
        }
        catch (CoherenceArgumentException ex)
        {
            return ValidationResult.Error(ex.Message.Split(" (Parameter", 2)[0]);
        }
    }

    public CacheStrategy OneStrategy => Strategy is null ? CacheStrategy.Lazy : Simulator.ParseStrategy(Strategy);

    public SimulationFaults FaultsOr(SimulationFaults fallback) => Faults is null ? fallback : SimulationFaults.Parse(Faults);

    /// <summary>
    /// The <c>--store</c> as a store factory (null: the simulator's in-memory store) and its name for reproduce commands.
    /// Null (the message written to <paramref name="errors"/>) when the name is unknown: the command then exits 2.
    /// </summary>
    public SimulationStoreChoice? StoreOrError(CliErrors errors, string command)
    {
        if (SimulationStores.TryResolve(Store, out var factory, out var name))
        {
            return new SimulationStoreChoice(factory, name);
        }

        errors.Writer.WriteLine(SimulationStores.Unknown(command, Store));
        return null;
    }
}

/// <summary>What <c>--store</c> resolved to: the factory (null for in-memory) and the name reproduce commands carry.</summary>
internal sealed record SimulationStoreChoice(Func<TimeProvider, AgentCoherence.Protocol.IDirectoryStore>? Factory, string? Name)
{
    /// <summary>
    /// Runs <paramref name="simulate"/>, first naming the store on <paramref name="console"/> when it is not the default
    /// (and the output is not JSON); a store that could not be created is exit 1 with its message.
    /// </summary>
    public async Task<int> RunAsync(IAnsiConsole console, bool json, CliErrors errors, string command, Func<Task<int>> simulate)
    {
        if (Name is not null && !json)
        {
            console.MarkupLineInterpolated($"[grey]store: {Name} (a temporary database file per run, deleted after it)[/]");
        }

        try
        {
            return await simulate();
        }
        catch (StoreUnavailableException ex)
        {
            await errors.Writer.WriteLineAsync($"coherence {command}: --store {Name ?? "memory"}: {ex.Message}");
            return 1;
        }
    }
}

/// <summary>
/// <c>coherence simulate --fuzz [--seeds 10000] [--first-seed 1] [--faults all] [--parallel N] [--json]</c>: the seed
/// explorer. Without <c>--fuzz</c> it points at the subcommands. Exit 0 when no seed broke an invariant, 1 otherwise.
/// </summary>
internal sealed class SimulateFuzzCommand(IAnsiConsole console, CliErrors errors) : AsyncCommand<SimulateFuzzCommand.Settings>
{
    internal sealed class Settings : SimulateSettings
    {
        [CommandOption("--fuzz")]
        [Description("Run many short random fleets (2-5 agents, 1-3 artifacts, 20-40 ticks, every strategy) in parallel and report every seed that breaks an invariant.")]
        public bool Fuzz { get; init; }

        [CommandOption("--seeds <COUNT>")]
        [Description("How many seeds (default 10000).")]
        public int Seeds { get; init; } = 10_000;

        [CommandOption("--first-seed <SEED>")]
        [Description("The first seed (default 1).")]
        public int FirstSeed { get; init; } = 1;

        [CommandOption("--parallel <N>")]
        [Description("Runs at once (default: the processor count).")]
        public int? Parallel { get; init; }

        public override ValidationResult Validate() =>
            Seeds is < 1 or > 10_000_000 ? ValidationResult.Error("--seeds must be from 1 to 10000000.")
            : Parallel is < 1 or > 1024 ? ValidationResult.Error("--parallel must be from 1 to 1024.")
            : base.Validate();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (!settings.Fuzz)
        {
            console.MarkupLine("Use [bold]coherence simulate paper[/], [bold]run[/], [bold]sweep <name>[/], or [bold]--fuzz[/] (see --help).");
            return 2;
        }

        if (settings.StoreOrError(errors, "simulate --fuzz") is not { } store)
        {
            return 2;
        }

        return await store.RunAsync(console, settings.Json, errors, "simulate --fuzz", () => FuzzAsync(settings, store, cancellationToken));
    }

    private async Task<int> FuzzAsync(Settings settings, SimulationStoreChoice store, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var report = Simulator.Fuzz(settings.FirstSeed, settings.Seeds, settings.FaultsOr(SimulationFaults.All), store.Factory, maxParallelism: settings.Parallel, storeName: store.Name);
        watch.Stop();
        if (settings.Json)
        {
            await SimulationRenderer.PrintJsonAsync(console, SimulationJson.Serialize(report), cancellationToken);
        }
        else
        {
            var seconds = watch.Elapsed.TotalSeconds;
            console.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"{report.Seeds:N0} seeds from {report.FirstSeed}: {report.Ticks:N0} ticks, {report.Operations:N0} agent operations in {seconds:0.0} s ({report.Ticks / seconds:N0} ticks/s)");
            var f = report.Faults;
            console.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"faults: {f.Crashes:N0} crashes, {f.Stalls:N0} stalls, {f.SignalsLost:N0} signals lost, {f.SignalsDuplicated:N0} duplicated, {f.SignalsDelayed:N0} delayed, {f.Reorderings:N0} reorderings, {f.Partitions:N0} partitions, {f.StoreOutages:N0} store outages, {f.RepliesLost:N0} replies lost, {f.OutcomesUnknown:N0} unknown outcomes");
            if (report.Violations.Count == 0)
            {
                console.MarkupLine("[green]no invariant broken[/]");
            }

            foreach (var violation in report.Violations)
            {
                SimulationRenderer.Violation(console, violation);
            }
        }

        return report.Violations.Count == 0 ? 0 : 1;
    }
}

/// <summary><c>coherence simulate paper [--seeds 10] [--strategy lazy] [--json]</c>: the paper's table beside ours and the lower bound.</summary>
internal sealed class SimulatePaperCommand(IAnsiConsole console, CliErrors errors) : AsyncCommand<SimulatePaperCommand.Settings>
{
    internal sealed class Settings : SimulateSettings
    {
        [CommandOption("--seeds <COUNT>")]
        [Description("Seeds per volatility, 1 to N (default 10, as the paper).")]
        public int Seeds { get; init; } = 10;

        public override ValidationResult Validate() =>
            Seeds is < 1 or > 100_000 ? ValidationResult.Error("--seeds must be from 1 to 100000.") : base.Validate();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken) =>
        settings.StoreOrError(errors, "simulate paper") is { } store
            ? await store.RunAsync(console, settings.Json, errors, "simulate paper", () => PaperAsync(settings, store, cancellationToken))
            : 2;

    private async Task<int> PaperAsync(Settings settings, SimulationStoreChoice store, CancellationToken cancellationToken)
    {
        var comparison = Simulator.Paper(Simulator.Seeds(settings.Seeds), settings.OneStrategy, store.Factory, store.Name);
        if (settings.Json)
        {
            await SimulationRenderer.PrintJsonAsync(console, SimulationJson.Serialize(comparison), cancellationToken);
        }
        else
        {
            SimulationRenderer.Paper(console, comparison);
        }

        return comparison.Rows.Any(r => r.Summary.Violations > 0) ? 1 : 0;
    }
}

/// <summary>
/// <c>coherence simulate run [--workload paper] [--strategy lazy] [--seed N | --seeds N] [--faults …] [--json]</c>: one
/// workload, one seed (the result) or seeds 1..N (the summary). Exit 1 when a run broke an invariant.
/// </summary>
internal sealed class SimulateRunCommand(IAnsiConsole console, CliErrors errors) : AsyncCommand<SimulateRunCommand.Settings>
{
    internal sealed class Settings : SimulateSettings
    {
        [CommandOption("--workload <NAME>")]
        [Description("paper (V = 0.10), paper-v0.25 (any V), bench-planning, bench-code-review, bench-high-churn, fuzz-N (the explorer's fleet at seed N).")]
        public string Workload { get; init; } = "paper";

        [CommandOption("--seed <SEED>")]
        [Description("Run this one seed and print its result.")]
        public int? Seed { get; init; }

        [CommandOption("--seeds <COUNT>")]
        [Description("Run seeds 1..COUNT and print the summary (default 10).")]
        public int Seeds { get; init; } = 10;

        public override ValidationResult Validate() =>
            SimulationWorkload.Named(Workload) is null ? ValidationResult.Error($"Unknown workload '{Workload}'. Use paper, paper-v<V>, bench-planning, bench-code-review, bench-high-churn or fuzz-<seed>.")
            : Seeds is < 1 or > 1_000_000 ? ValidationResult.Error("--seeds must be from 1 to 1000000.")
            : base.Validate();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken) =>
        settings.StoreOrError(errors, "simulate run") is { } store
            ? await store.RunAsync(console, settings.Json, errors, "simulate run", () => RunAsync(settings, store, cancellationToken))
            : 2;

    private async Task<int> RunAsync(Settings settings, SimulationStoreChoice store, CancellationToken cancellationToken)
    {
        var workload = SimulationWorkload.Named(settings.Workload)!;
        var strategy = settings.Strategy is null && settings.Workload.StartsWith("fuzz-", StringComparison.Ordinal)
            ? Simulator.FuzzFleet(int.Parse(settings.Workload.AsSpan(5), CultureInfo.InvariantCulture)).Strategy
            : settings.OneStrategy;
        var run = new SimulationSettings { Workload = workload, Strategy = strategy, Faults = settings.FaultsOr(SimulationFaults.None), StoreFactory = store.Factory, StoreName = store.Name };
        if (settings.Seed is { } seed)
        {
            var result = Simulator.Run(run with { Seed = seed });
            if (settings.Json)
            {
                await SimulationRenderer.PrintJsonAsync(console, SimulationJson.Serialize(result), cancellationToken);
            }
            else
            {
                SimulationRenderer.Summary(console, SimulationSummary.From([result]));
                if (result.Violation is { } violation)
                {
                    SimulationRenderer.Violation(console, violation);
                }
            }

            return result.Violation is null ? 0 : 1;
        }

        var watch = Stopwatch.StartNew();
        var summary = Simulator.RunSeeds(run, Simulator.Seeds(settings.Seeds));
        watch.Stop();
        if (settings.Json)
        {
            await SimulationRenderer.PrintJsonAsync(console, SimulationJson.Serialize(summary), cancellationToken);
        }
        else
        {
            SimulationRenderer.Summary(console, summary);
            var ticks = summary.Runs.Sum(r => (long)r.Ticks);
            var ops = summary.Runs.Sum(r => r.Measures.Operations);
            var seconds = Math.Max(watch.Elapsed.TotalSeconds, 1e-9);
            console.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[grey]{ticks:N0} ticks, {ops:N0} agent operations in {seconds:0.000} s: {ticks / seconds:N0} ticks/s, {ops / seconds:N0} operations/s[/]");
            foreach (var violation in summary.Runs.Select(r => r.Violation).OfType<InvariantViolation>())
            {
                SimulationRenderer.Violation(console, violation);
            }
        }

        return summary.Violations == 0 ? 0 : 1;
    }
}

/// <summary>
/// <c>coherence simulate sweep &lt;volatility|agents|artifact-size|signal-loss|all&gt; [--seeds 10] [--strategy …] [--out DIR] [--json]</c>.
/// With <c>--out</c> it also runs the paper comparison and writes the charts (PNG and SVG), the numbers (JSON) and one
/// self-contained HTML page into DIR. Exit 0; 1 when DIR cannot be written.
/// </summary>
internal sealed class SimulateSweepCommand(IAnsiConsole console, CliErrors errors) : AsyncCommand<SimulateSweepCommand.Settings>
{
    internal sealed class Settings : SimulateSettings
    {
        [CommandArgument(0, "<SWEEP>")]
        [Description("volatility, agents, artifact-size, signal-loss, or all.")]
        public string Sweep { get; init; } = "";

        [CommandOption("--seeds <COUNT>")]
        [Description("Seeds per point (default 10).")]
        public int Seeds { get; init; } = 10;

        [CommandOption("--out <DIR>")]
        [Description("Also write the charts (<sweep>.png/.svg, paper.png/.svg), simulation.json and simulation.html (self-contained, readable offline) into DIR; the paper comparison is run too.")]
        public string? Out { get; init; }

        public override ValidationResult Validate() =>
            Sweep != "all" && !Simulator.SweepNames.Contains(Sweep) ? ValidationResult.Error($"Unknown sweep '{Sweep}'. Use {string.Join(", ", Simulator.SweepNames)} or all.")
            : Seeds is < 1 or > 100_000 ? ValidationResult.Error("--seeds must be from 1 to 100000.")
            : base.Validate();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken) =>
        settings.StoreOrError(errors, "simulate sweep") is { } store
            ? await store.RunAsync(console, settings.Json, errors, "simulate sweep", () => SweepAsync(settings, store, cancellationToken))
            : 2;

    private async Task<int> SweepAsync(Settings settings, SimulationStoreChoice store, CancellationToken cancellationToken)
    {
        var names = settings.Sweep == "all" ? Simulator.SweepNames : [settings.Sweep];
        var strategies = settings.Strategy?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Simulator.ParseStrategy).ToList();
        var seeds = Simulator.Seeds(settings.Seeds);
        var sweeps = new List<SimulationSweep>();
        PaperComparison? paper = null;
        var paperStrategy = strategies is { Count: > 0 } && !strategies.Contains(CacheStrategy.Lazy) ? strategies[0] : CacheStrategy.Lazy;
        if (settings.Json)
        {
            sweeps.AddRange(names.Select(n => Simulator.Sweep(n, seeds, strategies, store.Factory, store.Name)));
            if (settings.Out is not null)
            {
                paper = Simulator.Paper(seeds, paperStrategy, store.Factory, store.Name);
            }
        }
        else
        {
            await console.Progress().StartAsync(async progress =>
            {
                foreach (var name in names)
                {
                    var task = progress.AddTask($"sweep {name}");
                    sweeps.Add(await Task.Run(() => Simulator.Sweep(name, seeds, strategies, store.Factory, store.Name), cancellationToken));
                    task.Value = task.MaxValue;
                }

                if (settings.Out is not null)
                {
                    var task = progress.AddTask("paper comparison");
                    paper = await Task.Run(() => Simulator.Paper(seeds, paperStrategy, store.Factory, store.Name), cancellationToken);
                    task.Value = task.MaxValue;
                }
            });
        }

        IReadOnlyList<string> written = [];
        if (settings.Out is { } directory)
        {
            try
            {
                written = await SimulationReport.WriteAsync(directory, new SimulationReportData(paper!, sweeps, Reproduce(settings)), cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
            {
                await errors.Writer.WriteLineAsync($"coherence simulate sweep: --out {directory}: the report cannot be written ({ex.Message}).");
                return 1;
            }
        }

        if (settings.Json)
        {
            await SimulationRenderer.PrintJsonAsync(console, SimulationJson.Serialize(sweeps), cancellationToken);
            return 0;
        }

        foreach (var sweep in sweeps)
        {
            SimulationRenderer.Sweep(console, sweep);
        }

        if (written.Count > 0)
        {
            console.MarkupLineInterpolated($"{written.Count} files written to [blue]{Path.GetFullPath(settings.Out!)}[/]; open [blue]{SimulationReport.PageFile}[/] in a browser.");
        }

        return 0;
    }

    /// <summary>The command line that gives the same report (the output directory left as DIR).</summary>
    private static string Reproduce(Settings settings) =>
        string.Create(CultureInfo.InvariantCulture, $"coherence simulate sweep {settings.Sweep} --seeds {settings.Seeds}")
        + (settings.Strategy is { } s ? $" --strategy {s}" : string.Empty)
        + (SimulationStores.TryResolve(settings.Store, out _, out var store) && store is not null ? $" --store {store}" : string.Empty) + " --out DIR";
}

using System.Globalization;
using AgentCoherence.Protocol;
using AgentCoherence.Simulation.Internal;

namespace AgentCoherence.Simulation;

/// <summary>
/// Runs simulated fleets: one run, a workload over several seeds, the paper's table, sweeps and a seed explorer.
/// Each run is single-threaded and deterministic (the same settings give the same result, byte for byte once
/// serialized by <see cref="SimulationJson"/>); the explorer runs seeds in parallel.
/// </summary>
/// <example>
/// <code>
/// var result = Simulator.Run(new SimulationSettings { Workload = SimulationWorkload.Paper(0.10), Seed = 1 });
/// Console.WriteLine(result.Measures.SavingsVsBroadcast);
/// </code>
/// </example>
public static class Simulator
{
    /// <summary>The five cache strategies, in the order results list them.</summary>
    public static IReadOnlyList<CacheStrategy> Strategies { get; } =
        [CacheStrategy.Lazy, CacheStrategy.Eager, CacheStrategy.Lease, CacheStrategy.AccessCount, CacheStrategy.Broadcast];

    /// <summary>The names of the sweeps <see cref="Sweep"/> runs.</summary>
    public static IReadOnlyList<string> SweepNames { get; } = ["volatility", "agents", "artifact-size", "signal-loss"];

    /// <summary>Runs one fleet. A broken invariant stops the run and is reported in <see cref="SimulationResult.Violation"/>.</summary>
    /// <exception cref="CoherenceArgumentException">The workload is invalid.</exception>
    public static SimulationResult Run(SimulationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(settings.Workload);
        ArgumentNullException.ThrowIfNull(settings.Faults);
        settings.Workload.Validate();
        return new SimulationRun(settings).Run();
    }

    /// <summary>Runs the same settings at each seed and summarizes them.</summary>
    public static SimulationSummary RunSeeds(SimulationSettings settings, IEnumerable<int> seeds)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(seeds);
        return SimulationSummary.From(seeds.Select(seed => Run(settings with { Seed = seed })).ToList());
    }

    /// <summary>The seeds 1 to <paramref name="count"/>.</summary>
    public static IReadOnlyList<int> Seeds(int count, int first = 1) =>
        count is < 1 or > 1_000_000 ? throw new CoherenceArgumentException(nameof(count), $"Seeds must be 1 to 1,000,000 (got {count}).") : Enumerable.Range(first, count).ToList();

    /// <summary>The paper's table: its configuration at each of its volatilities, over <paramref name="seeds"/>, with <paramref name="strategy"/>.</summary>
    /// <param name="seeds">The seeds of each volatility's runs.</param>
    /// <param name="strategy">Every agent's cache strategy.</param>
    /// <param name="storeFactory">Builds each run's store (a new in-memory store when null); see <see cref="SimulationSettings.StoreFactory"/>.</param>
    /// <param name="storeName">The store's name for reproduce commands; see <see cref="SimulationSettings.StoreName"/>.</param>
    public static PaperComparison Paper(IReadOnlyList<int> seeds, CacheStrategy strategy = CacheStrategy.Lazy, Func<TimeProvider, IDirectoryStore>? storeFactory = null, string? storeName = null)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        var rows = PaperComparison.Published.Select(p =>
        {
            var workload = SimulationWorkload.Paper(p.Volatility);
            var summary = RunSeeds(new SimulationSettings { Workload = workload, Strategy = strategy, StoreFactory = storeFactory, StoreName = storeName }, seeds);
            return new PaperRow(p.Volatility, p.Savings, p.Sd, Math.Round(workload.TheoremLowerBound(), 6), summary.SavingsVsBroadcast, summary.SavingsVsBroadcastAsPaper, summary.SavingsVsBroadcastFull, summary);
        }).ToList();
        return new PaperComparison(strategy.ToString(), seeds, rows);
    }

    /// <summary>
    /// A sweep over the paper's workload (V = 0.10 unless V is swept): <c>volatility</c> (V from 0.05 to 0.90),
    /// <c>agents</c> (2 to 16), <c>artifact-size</c> (512 to 16,384 tokens) or <c>signal-loss</c> (0 to 50 % of
    /// signals lost), one curve per strategy.
    /// </summary>
    /// <param name="name">The sweep: one of <see cref="SweepNames"/>.</param>
    /// <param name="seeds">The seeds of each point's runs.</param>
    /// <param name="strategies">One curve per strategy; all five when null.</param>
    /// <param name="storeFactory">Builds each run's store (a new in-memory store when null); see <see cref="SimulationSettings.StoreFactory"/>.</param>
    /// <param name="storeName">The store's name for reproduce commands; see <see cref="SimulationSettings.StoreName"/>.</param>
    /// <exception cref="CoherenceArgumentException">The sweep's name is not one of <see cref="SweepNames"/>.</exception>
    public static SimulationSweep Sweep(string name, IReadOnlyList<int> seeds, IReadOnlyList<CacheStrategy>? strategies = null, Func<TimeProvider, IDirectoryStore>? storeFactory = null, string? storeName = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(seeds);
        var baseWorkload = SimulationWorkload.Paper(0.10);
        (string Label, double[] Xs, Func<double, (SimulationWorkload, SimulationFaults)> At) sweep = name switch
        {
            "volatility" => ("write volatility V", [0.05, 0.10, 0.25, 0.50, 0.90], v => (SimulationWorkload.Paper(v), SimulationFaults.None)),
            "agents" => ("agents", [2, 4, 8, 16], n => (baseWorkload with
            {
                Name = FormattableString.Invariant($"paper-v0.10-n{n}"),
                AgentNames = Enumerable.Range(0, (int)n).Select(i => FormattableString.Invariant($"agent-{i}")).ToList(),
            }, SimulationFaults.None)),
            "artifact-size" => ("artifact size (tokens)", [512, 1024, 4096, 16384], d => (baseWorkload with
            {
                Name = FormattableString.Invariant($"paper-v0.10-d{d}"),
                Artifacts = baseWorkload.Artifacts.Select(a => a with { SizeTokens = (int)d }).ToList(),
            }, SimulationFaults.None)),
            "signal-loss" => ("signals lost (fraction)", [0, 0.10, 0.25, 0.50], loss => (baseWorkload, SimulationFaults.None with { SignalLoss = loss })),
            _ => throw new CoherenceArgumentException(nameof(name), $"Unknown sweep '{name}'. Use one of: {string.Join(", ", SweepNames)}."),
        };

        var series = (strategies ?? Strategies).Select(strategy => new SweepSeries(strategy.ToString(), sweep.Xs.Select(x =>
        {
            var (workload, faults) = sweep.At(x);
            var summary = RunSeeds(new SimulationSettings { Workload = workload, Strategy = strategy, Faults = faults, StoreFactory = storeFactory, StoreName = storeName }, seeds);
            return new SweepPoint(x, summary.SavingsVsBroadcast, summary.SavingsVsBroadcastFull, summary.HitRate, summary.StaleReads, summary.LowerBound);
        }).ToList())).ToList();
        return new SimulationSweep(name, sweep.Label, seeds, series);
    }

    /// <summary>
    /// The short random fleet the explorer runs at <paramref name="seed"/>: 2 to 5 agents, 1 to 3 artifacts, 20 to 40
    /// ticks, grant and compare-and-set writes, grants held across ticks, and a strategy drawn from the five.
    /// </summary>
    public static (SimulationWorkload Workload, CacheStrategy Strategy) FuzzFleet(int seed)
    {
        var random = new Random(unchecked((seed * 7919) + 17));
        var agents = random.Next(2, 6);
        var artifacts = random.Next(1, 4);
        var workload = new SimulationWorkload
        {
            Name = FormattableString.Invariant($"fuzz-{seed}"),
            AgentNames = Enumerable.Range(0, agents).Select(i => FormattableString.Invariant($"agent-{i}")).ToList(),
            Ticks = random.Next(20, 41),
            Artifacts = Enumerable.Range(0, artifacts).Select(i => new SimulatedArtifact(FormattableString.Invariant($"doc-{i}.md"), random.Next(100, 4097))).ToList(),
            AccessProbability = 0.5 + (random.NextDouble() * 0.5),
            WriteProbability = 0.1 + (random.NextDouble() * 0.6),
            CasShare = random.NextDouble(),
            MaxGrantHoldTicks = random.Next(0, 5),
            PreCreate = random.Next(2) == 0,
        };
        return (workload, Strategies[random.Next(Strategies.Count)]);
    }

    /// <summary>
    /// Explores <paramref name="count"/> seeds from <paramref name="firstSeed"/>: each a <see cref="FuzzFleet"/> run with
    /// <paramref name="faults"/>, seeds in parallel, each run single-threaded. Reports every seed that broke an invariant.
    /// </summary>
    /// <param name="firstSeed">The first seed.</param>
    /// <param name="count">How many seeds.</param>
    /// <param name="faults">The faults every run injects.</param>
    /// <param name="storeFactory">Builds each run's store (a new in-memory store when null).</param>
    /// <param name="clientCreated">Called with each client of each run.</param>
    /// <param name="maxParallelism">Runs at once; the processor count when null.</param>
    /// <param name="storeName">The store's name for reproduce commands; see <see cref="SimulationSettings.StoreName"/>.</param>
    public static FuzzReport Fuzz(
        int firstSeed,
        int count,
        SimulationFaults faults,
        Func<TimeProvider, IDirectoryStore>? storeFactory = null,
        Action<CoherenceClient>? clientCreated = null,
        int? maxParallelism = null,
        string? storeName = null)
    {
        ArgumentNullException.ThrowIfNull(faults);
        if (count is < 1 or > 10_000_000)
        {
            throw new CoherenceArgumentException(nameof(count), $"Seeds must be 1 to 10,000,000 (got {count}).");
        }

        var results = new SimulationResult[count];
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = maxParallelism ?? Environment.ProcessorCount }, i =>
        {
            var seed = firstSeed + i;
            var (workload, strategy) = FuzzFleet(seed);
            results[i] = Run(new SimulationSettings
            {
                Workload = workload,
                Strategy = strategy,
                Seed = seed,
                Faults = faults,
                StoreFactory = storeFactory,
                StoreName = storeName,
                ClientCreated = clientCreated,
            });
        });

        var tally = new FaultTally();
        foreach (var r in results)
        {
            var f = r.Faults;
            tally.Crashes += f.Crashes;
            tally.Restarts += f.Restarts;
            tally.Stalls += f.Stalls;
            tally.SignalsLost += f.SignalsLost;
            tally.SignalsDuplicated += f.SignalsDuplicated;
            tally.SignalsDelayed += f.SignalsDelayed;
            tally.Reorderings += f.Reorderings;
            tally.Partitions += f.Partitions;
            tally.SignalsPartitioned += f.SignalsPartitioned;
            tally.StoreOutages += f.StoreOutages;
            tally.RepliesLost += f.RepliesLost;
            tally.OutcomesUnknown += f.OutcomesUnknown;
        }

        return new FuzzReport(
            firstSeed,
            count,
            results.Sum(r => (long)r.Ticks),
            results.Sum(r => r.Measures.Operations),
            tally.ToCounts(),
            results.Where(r => r.Violation is not null).Select(r => r.Violation!).ToList());
    }

    /// <summary>Parses a strategy name (<c>lazy</c>, <c>eager</c>, <c>lease</c>, <c>access-count</c> or <c>accesscount</c>, <c>broadcast</c>).</summary>
    /// <exception cref="CoherenceArgumentException">The name is not a strategy.</exception>
    public static CacheStrategy ParseStrategy(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var normalized = name.Replace("-", string.Empty, StringComparison.Ordinal).Replace("_", string.Empty, StringComparison.Ordinal);
        foreach (var strategy in Strategies)
        {
            if (string.Equals(strategy.ToString(), normalized, StringComparison.OrdinalIgnoreCase))
            {
                return strategy;
            }
        }

        throw new CoherenceArgumentException(nameof(name), string.Create(CultureInfo.InvariantCulture, $"Unknown strategy '{name}'. Use lazy, eager, lease, access-count or broadcast."));
    }
}

using AgentCoherence.Cli.Simulate;
using AgentCoherence.Protocol;
using AgentCoherence.Simulation;
using Spectre.Console.Testing;

namespace AgentCoherence.Cli.Tests;

/// <summary>
/// <c>coherence simulate --store sqlite</c>: fleets on a real <c>SqliteDirectoryStore</c> (a temporary file per run). The
/// rules are the same as the in-memory store's, so every result must be too, byte for byte.
/// </summary>
public sealed class SimulateSqliteTests
{
    private static Func<TimeProvider, IDirectoryStore> Sqlite()
    {
        Assert.True(SimulationStores.TryResolve("sqlite", out var factory, out var name));
        Assert.Equal("sqlite", name);
        return Assert.IsType<Func<TimeProvider, IDirectoryStore>>(factory);
    }

    [Fact]
    public void The_same_seed_on_sqlite_gives_the_same_json_twice_and_each_run_has_its_own_file_deleted_after_it()
    {
        var files = new List<string>();
        var sqlite = Sqlite();
        var settings = new SimulationSettings
        {
            Workload = SimulationWorkload.Paper(0.25) with { CasShare = 0.5, MaxGrantHoldTicks = 2 },
            Seed = 5,
            Faults = SimulationFaults.All,
            StoreName = "sqlite",
            StoreFactory = time =>
            {
                var store = Assert.IsType<TemporarySqliteStore>(sqlite(time));
                Assert.True(File.Exists(store.DataSource));
                files.Add(store.DataSource);
                return store;
            },
        };

        var first = SimulationJson.Serialize(Simulator.Run(settings));
        var second = SimulationJson.Serialize(Simulator.Run(settings));

        Assert.Equal(first, second);
        Assert.Equal(2, files.Distinct().Count());
        Assert.All(files, f => Assert.False(Directory.Exists(Path.GetDirectoryName(f)), $"{f} was left behind"));
    }

    [Fact]
    public void Sqlite_and_memory_give_the_same_result_for_every_fuzz_fleet_with_every_fault()
    {
        var sqlite = Sqlite();
        for (var seed = 1; seed <= 60; seed++)
        {
            var (workload, strategy) = Simulator.FuzzFleet(seed);
            var settings = new SimulationSettings { Workload = workload, Strategy = strategy, Seed = seed, Faults = SimulationFaults.All };

            var memory = SimulationJson.Serialize(Simulator.Run(settings));
            var onSqlite = SimulationJson.Serialize(Simulator.Run(settings with { StoreFactory = sqlite, StoreName = "sqlite" }));

            Assert.Equal(memory, onSqlite);
        }
    }

    [Fact]
    public void Sqlite_and_memory_give_the_same_paper_table_sweep_and_bench_workloads()
    {
        var sqlite = Sqlite();
        var seeds = Simulator.Seeds(2);

        Assert.Equal(SimulationJson.Serialize(Simulator.Paper(seeds)), SimulationJson.Serialize(Simulator.Paper(seeds, storeFactory: sqlite, storeName: "sqlite")));
        Assert.Equal(
            SimulationJson.Serialize(Simulator.Sweep("signal-loss", [1], [CacheStrategy.Lazy, CacheStrategy.Lease])),
            SimulationJson.Serialize(Simulator.Sweep("signal-loss", [1], [CacheStrategy.Lazy, CacheStrategy.Lease], sqlite, "sqlite")));
        foreach (var name in new[] { "bench-planning", "bench-code-review", "bench-high-churn" })
        {
            var settings = new SimulationSettings { Workload = SimulationWorkload.Named(name)! };
            Assert.Equal(SimulationJson.Serialize(Simulator.Run(settings)), SimulationJson.Serialize(Simulator.Run(settings with { StoreFactory = sqlite })));
        }
    }

    [Fact]
    public async Task Simulate_fuzz_on_sqlite_with_every_fault_finds_nothing_in_200_seeds()
    {
        using var console = new TestConsole();
        console.Profile.Width = 240;

        var exit = await CliApp.Create(console).RunAsync(["simulate", "--fuzz", "--seeds", "200", "--faults", "all", "--store", "sqlite"]);

        Assert.Equal(0, exit);
        Assert.Contains("store: sqlite", console.Output, StringComparison.Ordinal);
        Assert.Contains("200 seeds from 1", console.Output, StringComparison.Ordinal);
        Assert.Contains("no invariant broken", console.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Simulate_run_on_sqlite_prints_what_memory_prints_but_the_store_line()
    {
        string[] args = ["simulate", "run", "--workload", "paper-v0.25", "--seed", "5", "--faults", "all"];

        var memory = await Output([.. args]);
        var sqlite = await Output([.. args, "--store", "sqlite"]);
        var again = await Output([.. args, "--store", "SQLite"]);

        Assert.Equal(sqlite, again);
        Assert.StartsWith("store: sqlite", sqlite, StringComparison.Ordinal);
        Assert.Equal(memory, sqlite[(sqlite.IndexOf('\n', StringComparison.Ordinal) + 1)..]);
        Assert.Equal(await Output([.. args, "--store", "memory"]), memory);
    }

    [Fact]
    public void The_from_code_example_of_simulation_md_runs_on_sqlite_and_matches_memory()
    {
        // docs/simulation.md's "From code" SQLite example, as written there.
        var directory = Directory.CreateTempSubdirectory("my-simulation-");
        var onSqlite = Simulator.Run(new SimulationSettings
        {
            Workload = SimulationWorkload.Paper(0.10),
            Seed = 1,
            StoreName = "sqlite",
            StoreFactory = clock => new AgentCoherence.Sqlite.SqliteDirectoryStore(
                new AgentCoherence.Sqlite.SqliteStoreOptions { Path = Path.Combine(directory.FullName, "run.db"), BusyTimeout = TimeSpan.Zero },
                clock),
        });
        directory.Delete(recursive: true);

        var inMemory = Simulator.Run(new SimulationSettings { Workload = SimulationWorkload.Paper(0.10), Seed = 1 });
        Assert.Equal(SimulationJson.Serialize(inMemory), SimulationJson.Serialize(onSqlite));
    }

    [Theory]
    [InlineData("simulate run", "simulate", "run", "--store", "postgres")]
    [InlineData("simulate paper", "simulate", "paper", "--store", "redis")]
    [InlineData("simulate sweep", "simulate", "sweep", "agents", "--store", "")]
    [InlineData("simulate --fuzz", "simulate", "--fuzz", "--seeds", "1", "--store", "sqlite3")]
    public async Task A_bad_store_exits_2_naming_the_option(string command, params string[] args)
    {
        using var console = new TestConsole();
        using var errors = new StringWriter();

        var exit = await CliApp.Create(console, errors: errors).RunAsync(args);

        Assert.Equal(2, exit);
        Assert.Equal($"coherence {command}: --store: unknown store '{args[^1]}'; use memory or sqlite.", errors.ToString().Trim());
        Assert.Equal(string.Empty, console.Output);
    }

    private static async Task<string> Output(params string[] args)
    {
        using var console = new TestConsole();
        console.Profile.Width = 240;
        var exit = await CliApp.Create(console).RunAsync(args);
        Assert.Equal(0, exit);
        return console.Output;
    }
}

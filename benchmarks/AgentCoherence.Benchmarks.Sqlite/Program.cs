using System.Diagnostics;
using System.Globalization;
using AgentCoherence;
using AgentCoherence.Sqlite;
using Microsoft.Data.Sqlite;
using AgentCoherence.Protocol;

// Operations per second in one process (one caller, unless the scenario names several writers), on a fresh database file in the temp
// directory. Each scenario runs a warm-up, then several rounds of a fixed time; the table gives the
// median and best round, and the process CPU time per operation (which depends less on what else
// the machine runs than wall time does). synchronous=FULL is bound by the disk's fsync.
//   dotnet run -c Release --project benchmarks/AgentCoherence.Benchmarks.Sqlite [-- seconds-per-round [rounds [scenario-filter]]]
if (args.Length > 0 && args[0] is "-h" or "--help" or "-?")
{
    Console.WriteLine("""
        Throughput of the SQLite directory store; prints a markdown table on stdout (progress on stderr).

        usage: dotnet run -c Release --project benchmarks/AgentCoherence.Benchmarks.Sqlite [-- seconds-per-round [rounds [scenario-filter]]]
          seconds-per-round  length of one measured round (default 2)
          rounds             measured rounds per scenario, after a 0.5 s warm-up (default 5)
          scenario-filter    runs only the scenarios whose name contains it, ignoring case (e.g. CommitCas, writers, tmpfs)
        """);
    return 0;
}

var seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 2;
var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
var filter = args.Length > 2 ? args[2] : "";
var duration = TimeSpan.FromSeconds(seconds);
var payload = ContentPayload.Create(new byte[1024], 256);
var agent = new AgentId("bench");
var rows = new List<Row>();
var fairness = new List<Fairness>();

await Sqlite("SQLite CommitCas, WAL, synchronous=NORMAL", SqliteSynchronousMode.Normal, CommitCas);

// What a client sends: a fresh operation id per write, which the store records with the write.
await Sqlite("SQLite CommitCas + operation id, WAL, synchronous=NORMAL", SqliteSynchronousMode.Normal, CommitCasWithIds);
await Sqlite("SQLite CommitCas, WAL, synchronous=FULL", SqliteSynchronousMode.Full, CommitCas);
if (Directory.Exists("/dev/shm"))
{
    // The same file in memory (tmpfs): what the store costs when the disk and the page cache's
    // write-back are out of the picture. Not durable; for comparison only.
    await Sqlite("SQLite CommitCas, WAL, synchronous=NORMAL, file on tmpfs (/dev/shm)", SqliteSynchronousMode.Normal, CommitCas, "/dev/shm");
    await Sqlite("SQLite CommitCas + operation id, WAL, synchronous=NORMAL, file on tmpfs (/dev/shm)", SqliteSynchronousMode.Normal, CommitCasWithIds, "/dev/shm");
}

// Contention: several writers in one process, each with its own store (its own connection, as
// separate processes have), each CAS-writing its own key, so they contend only for SQLite's write lock.
foreach (var writers in new[] { 2, 8, 32 })
{
    await Contended($"SQLite CommitCas, {writers} writers (one connection each), WAL, synchronous=NORMAL", writers);
}

await Sqlite("SQLite Read (1 KiB content), WAL, synchronous=NORMAL", SqliteSynchronousMode.Normal, (s, k) => Read(s, k, known: -1));
await Sqlite("SQLite Read (re-validation, no content), WAL, synchronous=NORMAL", SqliteSynchronousMode.Normal, (s, k) => Read(s, k, known: 1));
Raw("Raw Microsoft.Data.Sqlite: a CommitCas's statements without the store, synchronous=NORMAL");
var memory = new InMemoryDirectoryStore();
await memory.RegisterAgentAsync(agent);
await Measure("In-memory CommitCas (reference)", CommitCas(memory, ArtifactKey.Of("bench")));
await Measure("In-memory CommitCas + operation id (reference)", CommitCasWithIds(memory, ArtifactKey.Of("bench-ids")));

Console.WriteLine($"{Environment.ProcessorCount} cores, load average {LoadAverage()}, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, SQLite {SqliteVersion()}, 1 KiB content, one caller unless the scenario says otherwise, {rounds} rounds of {seconds:0.#} s");
Console.WriteLine();
Console.WriteLine("| scenario | ops/s (median) | ops/s (best round) | CPU µs/op (median) |");
Console.WriteLine("|---|---:|---:|---:|");
foreach (var row in rows)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {row.Scenario} | {row.Median:N0} | {row.Best:N0} | {row.CpuMicros:0.0} |"));
}

if (fairness.Count > 0)
{
    Console.WriteLine();
    Console.WriteLine("| contended scenario | latency p50 (ms) | p99 (ms) | max (ms) | slowest writer's share of the mean (worst round) |");
    Console.WriteLine("|---|---:|---:|---:|---:|");
    foreach (var row in fairness)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {row.Scenario} | {row.P50:0.00} | {row.P99:0.00} | {row.Max:0.0} | {row.SlowestShare:0.00} |"));
    }
}

return 0;

async Task Sqlite(string name, SqliteSynchronousMode mode, Func<IDirectoryStore, ArtifactKey, Func<Task<long>>> scenario, string? root = null)
{
    if (!name.Contains(filter, StringComparison.OrdinalIgnoreCase))
    {
        return;
    }

    var directory = Path.Combine(root ?? Path.GetTempPath(), "agentcoherence-bench-" + Guid.NewGuid().ToString("N"));
    try
    {
        await using var store = new SqliteDirectoryStore(new SqliteStoreOptions { Path = Path.Combine(directory, "bench.db"), Synchronous = mode });
        await store.RegisterAgentAsync(agent);
        await Measure(name, scenario(store, ArtifactKey.Of("bench")));
    }
    finally
    {
        Directory.Delete(directory, recursive: true);
    }
}

// All writers run free through each round (each as fast as it gets the lock); ops/s counts every
// writer's operations, CPU is the whole process's. The second table says how evenly the lock was
// shared: each operation's latency (lock wait included) and the slowest writer's share of the work.
async Task Contended(string name, int writers)
{
    if (!name.Contains(filter, StringComparison.OrdinalIgnoreCase))
    {
        return;
    }

    Console.Error.WriteLine($"running: {name}");
    var directory = Path.Combine(Path.GetTempPath(), "agentcoherence-bench-" + Guid.NewGuid().ToString("N"));
    var stores = new List<SqliteDirectoryStore>();
    try
    {
        var options = new SqliteStoreOptions { Path = Path.Combine(directory, "bench.db"), Synchronous = SqliteSynchronousMode.Normal, BusyTimeout = TimeSpan.FromMinutes(1) };
        for (var i = 0; i < writers; i++)
        {
            var store = new SqliteDirectoryStore(options);
            stores.Add(store);
            await store.RegisterAgentAsync(agent);
        }

        var versions = new long[writers];
        var results = new List<(double PerSecond, double CpuMicros)>();
        var latencies = new List<double>();
        var shares = new List<double>();
        var process = Process.GetCurrentProcess();
        for (var round = -1; round < rounds; round++)
        {
            // Round -1 is the warm-up.
            var length = round < 0 ? TimeSpan.FromSeconds(0.5) : duration;
            var perWriter = new List<double>[writers];
            process.Refresh();
            var cpu = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var counts = await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
            {
                var mine = perWriter[w] = [];
                var key = ArtifactKey.Of($"bench-{w}");
                while (clock.Elapsed < length)
                {
                    var started = Stopwatch.GetTimestamp();
                    var result = await stores[w].CommitCasAsync(agent, key, payload, versions[w]);
                    versions[w] = result.Succeeded ? result.Version : throw new InvalidOperationException(result.Refusal!.ToString());
                    mine.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
                }

                return (long)mine.Count;
            })));
            var elapsed = clock.Elapsed.TotalSeconds;
            process.Refresh();
            if (round < 0)
            {
                continue;
            }

            var ops = counts.Sum();
            results.Add((ops / elapsed, (process.TotalProcessorTime - cpu).TotalMicroseconds / ops));
            latencies.AddRange(perWriter.SelectMany(l => l));
            shares.Add(counts.Min() / (ops / (double)writers));
        }

        var perSecond = results.Select(r => r.PerSecond).Order().ToList();
        var cpuMicros = results.Select(r => r.CpuMicros).Order().ToList();
        rows.Add(new Row(name, perSecond[perSecond.Count / 2], perSecond[^1], cpuMicros[cpuMicros.Count / 2]));
        latencies.Sort();
        fairness.Add(new Fairness(name, latencies[latencies.Count / 2] / 1000, latencies[(int)(latencies.Count * 0.99)] / 1000, latencies[^1] / 1000, shares.Min()));
    }
    finally
    {
        foreach (var store in stores)
        {
            await store.DisposeAsync();
        }

        Directory.Delete(directory, recursive: true);
    }
}

// One round: as many operations as fit in the round's time, 100 between clock checks.
async Task Measure(string name, Func<Task<long>> batchOf100)
{
    if (!name.Contains(filter, StringComparison.OrdinalIgnoreCase))
    {
        return;
    }

    Console.Error.WriteLine($"running: {name}");
    var warmUp = Stopwatch.StartNew();
    while (warmUp.Elapsed < TimeSpan.FromSeconds(0.5))
    {
        await batchOf100();
    }

    var results = new List<(double PerSecond, double CpuMicros)>();
    var process = Process.GetCurrentProcess();
    for (var round = 0; round < rounds; round++)
    {
        process.Refresh();
        var cpu = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        long ops = 0;
        while (clock.Elapsed < duration)
        {
            ops += await batchOf100();
        }

        var elapsed = clock.Elapsed.TotalSeconds;
        process.Refresh();
        results.Add((ops / elapsed, (process.TotalProcessorTime - cpu).TotalMicroseconds / ops));
    }

    var perSecond = results.Select(r => r.PerSecond).Order().ToList();
    var cpuMicros = results.Select(r => r.CpuMicros).Order().ToList();
    rows.Add(new Row(name, perSecond[perSecond.Count / 2], perSecond[^1], cpuMicros[cpuMicros.Count / 2]));
}

Func<Task<long>> CommitCas(IDirectoryStore store, ArtifactKey key) => CommitCasLoop(store, key, withIds: false);

Func<Task<long>> CommitCasWithIds(IDirectoryStore store, ArtifactKey key) => CommitCasLoop(store, key, withIds: true);

Func<Task<long>> CommitCasLoop(IDirectoryStore store, ArtifactKey key, bool withIds)
{
    long version = 0;
    return async () =>
    {
        for (var i = 0; i < 100; i++)
        {
            var result = await store.CommitCasAsync(agent, key, payload, version, withIds ? OperationId.New() : default);
            version = result.Succeeded ? result.Version : throw new InvalidOperationException(result.Refusal!.ToString());
        }

        return 100;
    };
}

Func<Task<long>> Read(IDirectoryStore store, ArtifactKey key, long known)
{
    store.CommitCasAsync(agent, key, payload, 0).AsTask().GetAwaiter().GetResult();
    return async () =>
    {
        for (var i = 0; i < 100; i++)
        {
            await store.ReadAsync(agent, key, known);
        }

        return 100;
    };
}

// The floor under the store: the statements one CommitCas runs (lock, three lookups, two writes,
// commit) on tables of the same shape, prepared once, with no rules, no state objects and no diff.
void Raw(string name)
{
    if (!name.Contains(filter, StringComparison.OrdinalIgnoreCase))
    {
        return;
    }

    var directory = Path.Combine(Path.GetTempPath(), "agentcoherence-bench-" + Guid.NewGuid().ToString("N"));
    Directory.CreateDirectory(directory);
    try
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(directory, "raw.db")};Pooling=False");
        connection.Open();
        using (var setup = connection.CreateCommand())
        {
            setup.CommandText = """
                PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
                CREATE TABLE r (k TEXT PRIMARY KEY, v INTEGER, c BLOB);
                CREATE TABLE h (k TEXT, a TEXT, v INTEGER, PRIMARY KEY (k, a)) WITHOUT ROWID;
                CREATE TABLE a (a TEXT PRIMARY KEY, hb INTEGER) WITHOUT ROWID;
                INSERT INTO r VALUES ('k', 0, NULL); INSERT INTO h VALUES ('k', 'bench', 0); INSERT INTO a VALUES ('bench', 0);
                """;
            setup.ExecuteNonQuery();
        }

        SqliteCommand Prepare(string sql, params string[] names)
        {
            var command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var n in names)
            {
                command.Parameters.Add(new SqliteParameter(n, null));
            }

            command.Prepare();
            return command;
        }

        using var begin = Prepare("BEGIN IMMEDIATE");
        using var commit = Prepare("COMMIT");
        using var agentRow = Prepare("SELECT hb FROM a WHERE a = $a", "$a");
        using var record = Prepare("SELECT v FROM r WHERE k = $k", "$k");
        using var holders = Prepare("SELECT a, v FROM h WHERE k = $k", "$k");
        using var update = Prepare("UPDATE r SET v = $v, c = $c WHERE k = $k", "$k", "$v", "$c");
        using var upsert = Prepare("INSERT INTO h VALUES ($k, $a, $v) ON CONFLICT (k, a) DO UPDATE SET v = excluded.v", "$k", "$a", "$v");
        Measure(name, () =>
        {
            for (var i = 0; i < 100; i++)
            {
                begin.ExecuteNonQuery();
                agentRow.Parameters[0].Value = "bench";
                agentRow.ExecuteScalar();
                record.Parameters[0].Value = "k";
                var v = (long)record.ExecuteScalar()!;
                holders.Parameters[0].Value = "k";
                using (var reader = holders.ExecuteReader())
                {
                    while (reader.Read())
                    {
                    }
                }

                update.Parameters[0].Value = "k";
                update.Parameters[1].Value = v + 1;
                update.Parameters[2].Value = payload.Bytes;
                update.ExecuteNonQuery();
                upsert.Parameters[0].Value = "k";
                upsert.Parameters[1].Value = "bench";
                upsert.Parameters[2].Value = v + 1;
                upsert.ExecuteNonQuery();
                commit.ExecuteNonQuery();
            }

            return Task.FromResult(100L);
        }).GetAwaiter().GetResult();
    }
    finally
    {
        Directory.Delete(directory, recursive: true);
    }
}

static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";

static string SqliteVersion()
{
    using var connection = new SqliteConnection("Data Source=:memory:");
    connection.Open();
    return connection.ServerVersion;
}

internal sealed record Row(string Scenario, double Median, double Best, double CpuMicros);

internal sealed record Fairness(string Scenario, double P50, double P99, double Max, double SlowestShare);

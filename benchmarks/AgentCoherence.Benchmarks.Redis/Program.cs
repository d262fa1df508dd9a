using System.Diagnostics;
using System.Globalization;
using System.Text;
using AgentCoherence;
using AgentCoherence.Redis;
using AgentCoherence.Testing.Servers;
using Medallion.Threading.Redis;
using StackExchange.Redis;
using AgentCoherence.Protocol;

// Redis CommitCas throughput beside its reference points, measured in one run on one server:
//   raw EVALSHA     a trivial script ("return 1"), no keys, no arguments: one round trip, the ceiling
//                   for any one-script operation;
//   EVALSHA + args  the same trivial script sent CommitCas's 5 keys and 9 arguments (200-byte content):
//                   what moving the operation's data costs before any script work;
//   lock + SET      DistributedLock.Redis acquire, SET the value, release: the usual alternative.
// Each worker owns one artifact (or key) and commits to it in a loop, so every operation succeeds.
// Every CommitCas carries a fresh operation id, as CoherentAgent sends it, so the measured cost
// includes the operation log (a lookup and a record per write).
// Usage: dotnet run -c Release --project benchmarks/AgentCoherence.Benchmarks.Redis
//          [-- --seconds 4.5] [--mode auto|functions|eval] [--pin]
// --pin (Linux, needs taskset): this process on CPU 0, the redis-server on CPU 1, as when Redis runs
// on its own host; without it both share every core.
// Uses AGENTCOHERENCE_REDIS when set, else starts redis-server from PATH on a loopback port.
var seconds = Option("--seconds") is { } secondsText ? double.Parse(secondsText, CultureInfo.InvariantCulture) : 4.5;
var mode = Enum.Parse<RedisScriptMode>(Option("--mode") ?? "auto", ignoreCase: true);
var pin = args.Contains("--pin");
var duration = TimeSpan.FromSeconds(seconds);
const int rounds = 9;

RedisServer? server = null;
var connectionString = Environment.GetEnvironmentVariable("AGENTCOHERENCE_REDIS");
if (string.IsNullOrWhiteSpace(connectionString))
{
    server = await RedisServer.StartAsync();
    connectionString = server.ConnectionString;
}

try
{
    await using var connection = await ConnectionMultiplexer.ConnectAsync(connectionString);
    var database = connection.GetDatabase();
    var trivialSha = await LoadTrivialScriptAsync(connection);
    var adminOptions = ConfigurationOptions.Parse(connectionString);
    adminOptions.AllowAdmin = true;
    await using var admin = await ConnectionMultiplexer.ConnectAsync(adminOptions);
    var redisServer = admin.GetServer(admin.GetEndPoints()[0]);
    var content = new string('x', 200);
    if (pin)
    {
        var redisPid = (await redisServer.InfoAsync("server")).SelectMany(g => g).First(p => p.Key == "process_id").Value;
        Pin(Environment.ProcessId.ToString(CultureInfo.InvariantCulture), "0");
        Pin(redisPid, "1");
    }

    var probe = new RedisDirectoryStore(connection, new RedisStoreOptions { KeyPrefix = $"bench-{Guid.NewGuid():N}:", ScriptMode = mode });
    await probe.RegisterAgentAsync(new AgentId("probe"));

    Console.WriteLine($"redis {connection.GetServer(connection.GetEndPoints()[0]).Version}, {Environment.ProcessorCount} cores{(pin ? " (client pinned to CPU 0, redis-server to CPU 1)" : "")}, CommitCas as {probe.ScriptMode}, {seconds:0.#} s per cell in {rounds} interleaved rounds (median), content {content.Length} bytes");
    Console.WriteLine();
    Console.WriteLine("| concurrency | raw EVALSHA (ops/s) | EVALSHA + args (ops/s) | CommitCas (ops/s) | lock + SET + release (ops/s) | CommitCas / EVALSHA | CommitCas / EVALSHA + args | CommitCas / lock | CPU µs/op client / server: EVALSHA | EVALSHA + args | CommitCas | lock |");
    Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    foreach (var concurrency in new[] { 1, 16 })
    {
        // The three approaches run in short interleaved rounds and each reports its median round, so
        // load that comes and goes on a shared machine hits all three alike.
        Func<int, Func<Task>>[] approaches =
        [
            _ => () => database.ScriptEvaluateAsync(trivialSha),
            worker => TrivialWithArgumentsLoop(database, trivialSha, worker, content),
            worker => CommitCasLoop(connection, worker, content, mode),
            worker => LockedWriteLoop(database, worker, content),
        ];
        var workers = approaches.Select(factory => Enumerable.Range(0, concurrency).Select(factory).ToArray()).ToArray();
        foreach (var operations in workers)
        {
            await RunAsync(operations, TimeSpan.FromMilliseconds(500));
        }

        var samples = approaches.Select(_ => new List<double>()).ToArray();
        var cpu = new (double Client, double Server, long Operations)[approaches.Length];
        for (var round = 0; round < rounds; round++)
        {
            for (var i = 0; i < workers.Length; i++)
            {
                var which = (round + i) % workers.Length;
                var clientBefore = Process.GetCurrentProcess().TotalProcessorTime;
                var serverBefore = await ServerCpuSecondsAsync(redisServer);
                var stopwatch = Stopwatch.StartNew();
                var count = await RunAsync(workers[which], duration / rounds);
                samples[which].Add(count / stopwatch.Elapsed.TotalSeconds);
                cpu[which].Client += (Process.GetCurrentProcess().TotalProcessorTime - clientBefore).TotalSeconds;
                cpu[which].Server += await ServerCpuSecondsAsync(redisServer) - serverBefore;
                cpu[which].Operations += count;
            }
        }

        var (raw, withArgs, cas, locked) = (Median(samples[0]), Median(samples[1]), Median(samples[2]), Median(samples[3]));
        string PerOp(int which) => string.Create(
            CultureInfo.InvariantCulture,
            $"{cpu[which].Client * 1e6 / cpu[which].Operations:0.0} / {cpu[which].Server * 1e6 / cpu[which].Operations:0.0}");
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"| {concurrency} | {raw:N0} | {withArgs:N0} | {cas:N0} | {locked:N0} | {cas / raw:P0} | {cas / withArgs:P0} | {cas / locked:0.00}x | {PerOp(0)} | {PerOp(1)} | {PerOp(2)} | {PerOp(3)} |"));
    }
}
finally
{
    if (server is not null)
    {
        await server.DisposeAsync();
    }
}

string? Option(string name)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
}

static void Pin(string pid, string cpu)
{
    using var taskset = Process.Start(new ProcessStartInfo("taskset", ["-a", "-p", "-c", cpu, pid]) { RedirectStandardOutput = true })
        ?? throw new InvalidOperationException("taskset did not start.");
    taskset.WaitForExit();
    if (taskset.ExitCode != 0)
    {
        throw new InvalidOperationException($"taskset -a -p -c {cpu} {pid} failed with exit code {taskset.ExitCode}.");
    }
}

// The trivial script with the keys and arguments CommitCas sends (agent, time, mode, expected version,
// store key, operation id, SHA-256 hex, size, content), so the difference to CommitCas is the script's
// own work.
static Func<Task> TrivialWithArgumentsLoop(IDatabase database, byte[] sha, int worker, string content)
{
    var prefix = $"bench-{Guid.NewGuid():N}:";
    RedisKey[] keys = [prefix + "agents", prefix + $"{{bench:doc-{worker}}}:rec", prefix + $"{{bench:doc-{worker}}}:holders", prefix + $"touched:agent-{worker}", prefix + $"ops:agent-{worker}"];
    var payload = ContentPayload.Create(Encoding.UTF8.GetBytes(content), 50);
    long version = 0;
    return () => database.ScriptEvaluateAsync(sha, keys, [$"agent-{worker}", DateTimeOffset.UtcNow.UtcTicks.ToString("D19", CultureInfo.InvariantCulture), "c", (version++).ToString(CultureInfo.InvariantCulture), $"bench:doc-{worker}", OperationId.New().Value, payload.Hash, "50", payload.Bytes]);
}

static Func<Task> CommitCasLoop(IConnectionMultiplexer connection, int worker, string content, RedisScriptMode mode)
{
    var store = new RedisDirectoryStore(connection, new RedisStoreOptions { KeyPrefix = $"bench-{Guid.NewGuid():N}:", ScriptMode = mode });
    var agent = new AgentId($"agent-{worker}");
    var key = new ArtifactKey("bench", $"doc-{worker}");
    var registered = false;
    long version = 0;
    return async () =>
    {
        if (!registered)
        {
            await store.RegisterAgentAsync(agent);
            registered = true;
        }

        var payload = ContentPayload.Create(Encoding.UTF8.GetBytes(content), 50);
        var result = await store.CommitCasAsync(agent, key, payload, version, OperationId.New());
        version = result.Succeeded ? result.Version : throw new InvalidOperationException($"CommitCas refused: {result.Refusal}");
    };
}

static Func<Task> LockedWriteLoop(IDatabase database, int worker, string content)
{
    var name = $"bench-{Guid.NewGuid():N}";
    var distributedLock = new RedisDistributedLock(name + ":lock", database);
    RedisKey key = name + ":value";
    return async () =>
    {
        await using var handle = await distributedLock.AcquireAsync();
        await database.StringSetAsync(key, content);
    };
}

static double Median(List<double> values)
{
    values.Sort();
    return values.Count % 2 == 1 ? values[values.Count / 2] : (values[(values.Count / 2) - 1] + values[values.Count / 2]) / 2;
}

static async Task<long> RunAsync(Func<Task>[] operations, TimeSpan duration)
{
    long count = 0;
    var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
    await Task.WhenAll(operations.Select(operation => Task.Run(async () =>
    {
        while (Stopwatch.GetTimestamp() < deadline)
        {
            await operation();
            Interlocked.Increment(ref count);
        }
    })));
    return count;
}

// Redis's own CPU time (user + system), from INFO cpu.
static async Task<double> ServerCpuSecondsAsync(IServer server)
{
    var info = await server.InfoAsync("cpu");
    return info.SelectMany(group => group)
        .Where(pair => pair.Key is "used_cpu_user" or "used_cpu_sys")
        .Sum(pair => double.Parse(pair.Value, CultureInfo.InvariantCulture));
}

static async Task<byte[]> LoadTrivialScriptAsync(IConnectionMultiplexer connection)
{
    byte[]? sha = null;
    foreach (var endpoint in connection.GetEndPoints())
    {
        sha = await connection.GetServer(endpoint).ScriptLoadAsync("return 1");
    }

    return sha ?? throw new InvalidOperationException("No Redis endpoint.");
}

using System.Diagnostics;
using System.Globalization;
using System.Text;
using AgentCoherence;
using AgentCoherence.Redis;
using AgentCoherence.Testing.Servers;
using Medallion.Threading.Redis;
using StackExchange.Redis;

// Redis CommitCas throughput beside its two reference points, measured in one run on one server:
//   raw EVALSHA   a trivial script ("return 1"): one round trip, the ceiling for any one-script operation;
//   lock + SET    DistributedLock.Redis acquire, SET the value, release: the usual alternative.
// Each worker owns one artifact (or key) and commits to it in a loop, so every operation succeeds.
// Usage: dotnet run -c Release --project benchmarks/AgentCoherence.Benchmarks.Redis [-- --seconds 4.5]
// Uses AGENTCOHERENCE_REDIS when set, else starts redis-server from PATH on a loopback port.
var seconds = args.Length >= 2 && args[0] == "--seconds" ? double.Parse(args[1], CultureInfo.InvariantCulture) : 4.5;
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

    Console.WriteLine($"redis {connection.GetServer(connection.GetEndPoints()[0]).Version}, {Environment.ProcessorCount} cores, {seconds:0.#} s per cell in {rounds} interleaved rounds (median), content {content.Length} bytes");
    Console.WriteLine();
    Console.WriteLine("| concurrency | raw EVALSHA (ops/s) | CommitCas (ops/s) | lock + SET + release (ops/s) | CommitCas / EVALSHA | CommitCas / lock | CPU µs/op client / server: EVALSHA | CommitCas | lock |");
    Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    foreach (var concurrency in new[] { 1, 16 })
    {
        // The three approaches run in short interleaved rounds and each reports its median round, so
        // load that comes and goes on a shared machine hits all three alike.
        Func<int, Func<Task>>[] approaches =
        [
            _ => () => database.ScriptEvaluateAsync(trivialSha),
            worker => CommitCasLoop(connection, worker, content),
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

        var (raw, cas, locked) = (Median(samples[0]), Median(samples[1]), Median(samples[2]));
        string PerOp(int which) => string.Create(
            CultureInfo.InvariantCulture,
            $"{cpu[which].Client * 1e6 / cpu[which].Operations:0.0} / {cpu[which].Server * 1e6 / cpu[which].Operations:0.0}");
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"| {concurrency} | {raw:N0} | {cas:N0} | {locked:N0} | {cas / raw:P0} | {cas / locked:0.00}x | {PerOp(0)} | {PerOp(1)} | {PerOp(2)} |"));
    }
}
finally
{
    if (server is not null)
    {
        await server.DisposeAsync();
    }
}

static Func<Task> CommitCasLoop(IConnectionMultiplexer connection, int worker, string content)
{
    var store = new RedisDirectoryStore(connection, new RedisStoreOptions { KeyPrefix = $"bench-{Guid.NewGuid():N}:" });
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
        var result = await store.CommitCasAsync(agent, key, payload, version);
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

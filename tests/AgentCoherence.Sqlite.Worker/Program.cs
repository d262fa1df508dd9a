using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using AgentCoherence;
using AgentCoherence.Sqlite;
using AgentCoherence.Protocol;

// Usage (every command prints one line per event on stdout, for the test that started it):
//   increment <db> <count> <agent>...        each agent makes <count> CAS increments of key counter (retrying conflicts); prints DONE <agent> <conflicts>
//   hold <db> <agent> <key>                  reads and acquires <key>, prints HELD v<version>, waits for a line on stdin, commits under the grant, prints COMMIT <Ok|reason>
//   reclaim <db> <agent> <key> <timeoutMs>   sweeps with a heartbeat timeout of <timeoutMs> until <key> is reclaimed (prints RECLAIMED <agent> <trigger> <epoch>), then reads and CAS-commits (prints COMMITTED v<version>)
//   churn <db> <agent> <key> <bytes>         commits ever-larger counters as <bytes>-byte blobs forever; prints V <version> after each commit
//   cas <db> <agent> <storeKey> <expected> <op> <text>   one CommitCas with operation id <op>; prints CAS Ok v<version> signals <recipient:kind:v:e:issuer:key>... or CAS <reason>
//   contend <db> <writers> <key> <threads>   caps the thread pool at <threads>, opens <writers> stores (one connection each) and prints OPEN <writers> pool <max threads>;
//                                            on a line from stdin starts the writers, each making one CAS increment of <key>; prints WAITING <writers> once every
//                                            writer's first call returned without completing, then PROBE from a work item queued after that, then DONE <versions, sorted>
//   record <db> <dir> <agent> <count>       a CoherenceClient recording into <dir> (RecordTo) runs the contended workload of
//                                            tests/Shared/ContendedRecordingWorkload.cs: prints READ v<version>, waits for a line on stdin,
//                                            prints DUEL won|lost, makes <count> increments of key counter in all and grant writes of board.md, prints DONE
var command = args.Length > 0 ? args[0] : "";
if (command == "record")
{
    return await Record(args[1], args[2], args[3], int.Parse(args[4], CultureInfo.InvariantCulture));
}

if (command == "contend")
{
    return await Contend(args[1], int.Parse(args[2], CultureInfo.InvariantCulture), ArtifactKey.Of(args[3]), int.Parse(args[4], CultureInfo.InvariantCulture));
}

var store = args.Length > 1 ? Open(args[1]) : null;
try
{
    return command switch
    {
        "increment" => await Increment(store!, int.Parse(args[2], CultureInfo.InvariantCulture), args[3..]),
        "hold" => await Hold(store!, new AgentId(args[2]), ArtifactKey.Of(args[3])),
        "reclaim" => await Reclaim(store!, new AgentId(args[2]), ArtifactKey.Of(args[3]), TimeSpan.FromMilliseconds(int.Parse(args[4], CultureInfo.InvariantCulture))),
        "churn" => await Churn(store!, new AgentId(args[2]), ArtifactKey.Of(args[3]), int.Parse(args[4], CultureInfo.InvariantCulture)),
        "cas" => await Cas(store!, new AgentId(args[2]), ArtifactKey.FromStoreKey(args[3]), long.Parse(args[4], CultureInfo.InvariantCulture), new OperationId(args[5]), args[6]),
        _ => Usage(),
    };
}
finally
{
    store?.Dispose();
}

static SqliteDirectoryStore Open(string path) =>
    new(new SqliteStoreOptions { Path = path, Synchronous = SqliteSynchronousMode.Normal, BusyTimeout = TimeSpan.FromSeconds(10) });

static int Usage()
{
    Console.Error.WriteLine("usage: increment|hold|reclaim|churn|cas|contend <db> ...");
    return 2;
}

static ContentPayload Text(string text) => ContentPayload.Create(Encoding.UTF8.GetBytes(text), 1);

static async Task<int> Increment(SqliteDirectoryStore shared, int count, string[] agents)
{
    var key = ArtifactKey.Of("counter");
    var path = shared.DataSource;

    // One store (one connection) per writer, so the writers of one process contend through SQLite's lock too.
    var writers = agents.Select(name => Task.Run(async () =>
    {
        using var store = Open(path);
        var agent = new AgentId(name);
        await store.RegisterAgentAsync(agent);
        var conflicts = 0;
        for (var done = 0; done < count;)
        {
            var read = await store.ReadAsync(agent, key);
            var value = read.Refusal is null ? long.Parse(Encoding.UTF8.GetString(read.Content!), CultureInfo.InvariantCulture) : 0;

            // Think between the read and the write, as an agent does, so that peers get in between.
            await Task.Delay(Random.Shared.Next(0, 2));
            var result = await store.CommitCasAsync(agent, key, Text((value + 1).ToString(CultureInfo.InvariantCulture)), read.Version);
            if (result.Succeeded)
            {
                done++;
            }
            else if (result.Refusal!.IsRetryable)
            {
                conflicts++;
            }
            else
            {
                throw new InvalidOperationException($"{agent}: {result.Refusal}");
            }
        }

        Console.WriteLine($"DONE {agent} {conflicts}");
    })).ToArray();
    await Task.WhenAll(writers);
    return 0;
}

static async Task<int> Hold(SqliteDirectoryStore store, AgentId agent, ArtifactKey key)
{
    await store.RegisterAgentAsync(agent);
    await store.ReadAsync(agent, key);
    var acquired = await store.AcquireAsync(agent, key);
    if (!acquired.Succeeded)
    {
        Console.WriteLine($"ACQUIRE {acquired.Refusal!.Reason}");
        return 1;
    }

    // A zombie: it holds the grant and sends no heartbeat until told to write.
    Console.WriteLine($"HELD v{acquired.Version}");
    await Console.In.ReadLineAsync();
    var commit = await store.CommitAsync(agent, key, Text("from the zombie"));
    Console.WriteLine($"COMMIT {(commit.Succeeded ? "Ok" : commit.Refusal!.Reason.ToString())}");
    return 0;
}

static async Task<int> Reclaim(SqliteDirectoryStore store, AgentId agent, ArtifactKey key, TimeSpan heartbeatTimeout)
{
    await store.RegisterAgentAsync(agent);
    var policy = new SweepPolicy(heartbeatTimeout, TimeSpan.FromHours(1), null);
    for (var attempt = 0; attempt < 200; attempt++)
    {
        await store.HeartbeatAsync(agent);
        var swept = await store.SweepAsync(policy);
        if (swept.Reclaimed.FirstOrDefault(r => r.Key == key) is { } reclaimed)
        {
            Console.WriteLine($"RECLAIMED {reclaimed.Agent} {reclaimed.Info.TriggerName} {reclaimed.Info.Epoch}");
            var read = await store.ReadAsync(agent, key);
            var result = await store.CommitCasAsync(agent, key, Text("from the live writer"), read.Version);
            Console.WriteLine(result.Succeeded ? $"COMMITTED v{result.Version}" : $"CAS {result.Refusal!.Reason}");
            return result.Succeeded ? 0 : 1;
        }

        await Task.Delay(50);
    }

    Console.WriteLine("NOT RECLAIMED");
    return 1;
}

static async Task<int> Cas(SqliteDirectoryStore store, AgentId agent, ArtifactKey key, long expected, OperationId operation, string text)
{
    await store.RegisterAgentAsync(agent);
    var result = await store.CommitCasAsync(agent, key, Text(text), expected, operation);
    var signals = result.Signals.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Recipient}:{s.Kind}:v{s.NewVersion}:e{s.OwnerEpoch}:{s.Issuer}:{s.Key.StoreKey}"));
    Console.WriteLine(result.Succeeded ? string.Create(CultureInfo.InvariantCulture, $"CAS Ok v{result.Version} signals {string.Join(' ', signals)}") : $"CAS {result.Refusal!.Reason}");
    return 0;
}

static async Task<int> Churn(SqliteDirectoryStore store, AgentId agent, ArtifactKey key, int bytes)
{
    await store.RegisterAgentAsync(agent);
    var blob = new byte[bytes];
    while (true)
    {
        var read = await store.ReadAsync(agent, key);
        var next = read.Refusal is null ? long.Parse(Encoding.ASCII.GetString(read.Content!, 0, 20), CultureInfo.InvariantCulture) + 1 : 1;

        // The counter heads the blob; the rest changes with it, so every page of every version differs.
        Encoding.ASCII.GetBytes(next.ToString("D20", CultureInfo.InvariantCulture)).CopyTo(blob, 0);
        blob.AsSpan(20).Fill((byte)(next % 251));
        var result = await store.CommitCasAsync(agent, key, ContentPayload.Create(blob, bytes / 4), read.Version);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"{agent}: {result.Refusal}");
        }

        Console.WriteLine($"V {result.Version}");
    }
}

static async Task<int> Record(string path, string directory, string agentName, int count)
{
    await using var client = new CoherenceClient(Open(path), new InMemoryEventBus(), ContendedRecordingWorkload.Options());
    return await ContendedRecordingWorkload.RunAsync(client, directory, agentName, count);
}

static async Task<int> Contend(string path, int writers, ArtifactKey key, int threads)
{
    // Before anything uses the pool. The minimum goes first: the maximum may not be set below it.
    // On .NET 10 this caps the worker threads (as DOTNET_ThreadPool_ForceMaxWorkerThreads does): 32
    // blocking work items ran at most 4 at a time under either cap, and 10 after 8 s without one, as
    // the pool added threads for the starved queue.
    ThreadPool.GetMaxThreads(out _, out var completionPorts);
    if (!ThreadPool.SetMinThreads(1, 1) || !ThreadPool.SetMaxThreads(threads, completionPorts))
    {
        Console.WriteLine("POOL refused");
        return 1;
    }

    ThreadPool.GetMaxThreads(out var maxThreads, out _);

    // Long enough that no writer gives up while the test holds the lock.
    var options = new SqliteStoreOptions { Path = path, Synchronous = SqliteSynchronousMode.Normal, BusyTimeout = TimeSpan.FromMinutes(2) };
    var stores = new List<(SqliteDirectoryStore Store, AgentId Agent)>();
    for (var i = 1; i <= writers; i++)
    {
        var agent = new AgentId($"w{i}");
        var opened = new SqliteDirectoryStore(options);
        await opened.RegisterAgentAsync(agent);
        stores.Add((opened, agent));
    }

    Console.WriteLine($"OPEN {writers} pool {maxThreads}");

    // The test takes the database's write lock, then sends the line.
    await Console.In.ReadLineAsync();
    var pending = 0;
    var allPending = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    var versions = new ConcurrentBag<long>();
    var runs = stores.Select(s => Task.Run(async () =>
    {
        var first = true;
        while (true)
        {
            var call = s.Store.ReadAsync(s.Agent, key);
            if (first)
            {
                // Returned without completing while the lock is held: the writer waits, and its thread is free.
                first = false;
                if (!call.IsCompleted && Interlocked.Increment(ref pending) == writers)
                {
                    allPending.TrySetResult();
                }
            }

            var read = await call;
            var value = read.Refusal is null ? long.Parse(Encoding.UTF8.GetString(read.Content!), CultureInfo.InvariantCulture) : 0;
            var result = await s.Store.CommitCasAsync(s.Agent, key, Text((value + 1).ToString(CultureInfo.InvariantCulture)), read.Version);
            if (result.Succeeded)
            {
                versions.Add(result.Version);
                return;
            }

            if (!result.Refusal!.IsRetryable)
            {
                throw new InvalidOperationException($"{s.Agent}: {result.Refusal}");
            }
        }
    })).ToArray();

    await allPending.Task;
    Console.WriteLine($"WAITING {writers}");

    // Other work still gets a pool thread while every writer waits for the lock.
    var probe = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
    ThreadPool.UnsafeQueueUserWorkItem(_ => probe.TrySetResult(Thread.CurrentThread.IsThreadPoolThread), null);
    Console.WriteLine(await probe.Task ? "PROBE ran on a pool thread" : "PROBE ran off the pool");

    await Task.WhenAll(runs);
    Console.WriteLine("DONE " + string.Join(' ', versions.Order()));
    foreach (var (opened, _) in stores)
    {
        await opened.DisposeAsync();
    }

    return 0;
}

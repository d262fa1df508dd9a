using System.Diagnostics;
using System.Globalization;
using AgentCoherence;
using AgentCoherence.Benchmarks.Transports;
using AgentCoherence.Signals;

// Signal latency per transport — from just before the writer's WriteAsync to the peer's
// SignalReceived (its cached copy invalidated) — beside the broker client's own publish-to-receive
// latency on the same server in the same run, and signals per second through the bus.
// Two CoherenceClients ("processes") share one InMemoryDirectoryStore, each with its own bus connection.
// Usage: dotnet run -c Release --project benchmarks/AgentCoherence.Benchmarks.Transports [-- --samples 500 --only nats,redis]
// Starts its own servers (redis-server, nats-server, rabbitmq-server from Debian; Kafka: librdkafka's mock cluster).
var samples = Arg("--samples", 500);
var only = Array.IndexOf(args, "--only") is var at and >= 0 ? args[at + 1].Split(',') : ["redis", "nats", "kafka", "masstransit"];
Console.WriteLine($"{Environment.ProcessorCount} cores, {samples} sequential samples per latency cell (after {samples / 5} warm-up), one signal at a time");
Console.WriteLine();
Console.WriteLine("| transport | raw client p50 (µs) | raw p99 (µs) | signal p50 (µs) | signal p99 (µs) | target p50 (1.2 × raw + 100 µs) | met | signals/s through the bus |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|:---:|---:|");

foreach (var name in only)
{
    try
    {
        await using var stack = await Stack.StartAsync(name);
        var raw = await Percentiles(() => stack.RawRoundTripAsync());
        var signal = await SignalLatencyAsync(stack);
        var throughput = await ThroughputAsync(stack, name == "masstransit" ? 5_000 : 20_000);
        var target = 1.2 * raw.P50 + 100;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {stack.Name} | {raw.P50:0} | {raw.P99:0} | {signal.P50:0} | {signal.P99:0} | {target:0} | {(signal.P50 <= target ? "yes" : "no")} | {throughput:0} |"));
    }
    catch (Exception ex)
    {
        Console.WriteLine($"| {name} | failed: {ex.GetType().Name}: {ex.Message.Split('\n')[0]} | | | | | | |");
    }
}

async Task<(double P50, double P99)> Percentiles(Func<Task<TimeSpan>> once)
{
    for (var i = 0; i < samples / 5; i++)
    {
        await once();
    }

    var values = new double[samples];
    for (var i = 0; i < samples; i++)
    {
        values[i] = (await once()).TotalMicroseconds;
    }

    Array.Sort(values);
    return (values[(int)(samples * 0.50)], values[Math.Min(samples - 1, (int)(samples * 0.99))]);
}

async Task<(double P50, double P99)> SignalLatencyAsync(Stack stack)
{
    var store = new InMemoryDirectoryStore();
    var options = new CoherenceOptions { CrashRecovery = { Enabled = false } };
    await using var writerBus = (IAsyncDisposable)await stack.NewBusAsync();
    await using var readerBus = (IAsyncDisposable)await stack.NewBusAsync();
    await using var writerProcess = new CoherenceClient(store, (IEventBus)writerBus, options);
    await using var readerProcess = new CoherenceClient(store, (IEventBus)readerBus, options);
    await using var writer = writerProcess.Agent("writer");
    await using var reader = readerProcess.Agent("reader");
    await writer.WriteAsync("doc", "v0");
    TaskCompletionSource<bool>? pending = null;
    reader.SignalReceived += (_, _) => pending?.TrySetResult(true);
    var n = 0;
    return await Percentiles(async () =>
    {
        await reader.ReadAsync("doc");
        pending = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = Stopwatch.GetTimestamp();
        await writer.WriteAsync("doc", "v" + (++n).ToString(CultureInfo.InvariantCulture));
        await pending.Task.WaitAsync(TimeSpan.FromSeconds(10));
        return Stopwatch.GetElapsedTime(started);
    });
}

async Task<double> ThroughputAsync(Stack stack, int count)
{
    var publisher = await stack.NewBusAsync();
    var subscriber = await stack.NewBusAsync();
    try
    {
        var received = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await subscriber.SubscribeAsync(_ =>
        {
            if (Interlocked.Increment(ref received) == count)
            {
                done.TrySetResult();
            }

            return ValueTask.CompletedTask;
        });
        var key = new ArtifactKey("bench", "doc");
        var started = Stopwatch.GetTimestamp();
        for (var i = 1; i <= count; i++)
        {
            await publisher.PublishAsync([new InvalidationSignal(key, i, new AgentId("writer"), SignalKind.Commit, new AgentId("reader"))]);
        }

        await Task.WhenAny(done.Task, Task.Delay(TimeSpan.FromSeconds(60)));
        return Volatile.Read(ref received) / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }
    finally
    {
        await ((IAsyncDisposable)publisher).DisposeAsync();
        await ((IAsyncDisposable)subscriber).DisposeAsync();
    }
}

int Arg(string name, int fallback) =>
    Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;

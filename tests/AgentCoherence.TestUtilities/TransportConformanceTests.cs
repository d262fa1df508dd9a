using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using AgentCoherence.Protocol;
using AgentCoherence.Signals;

namespace AgentCoherence.Testing;

/// <summary>
/// What every broker transport must show, run identically for each: delivery to every subscribing
/// process, exactly-once application per recipient, tolerance of duplicates and reordering, rejection
/// of malformed messages, recovery after cut connections and broker restarts, and the end-to-end
/// guarantees with the transport plugged in. Each transport's test project inherits it. The tests are
/// skippable: a transport whose server is missing throws <c>Xunit.SkipException</c> (<c>Skip.If</c>)
/// from <see cref="CreateBusAsync"/>, so the test reports "skipped" rather than a false failure
/// (its fixture fails instead under <c>CI=true</c>).
/// </summary>
public abstract class TransportConformanceTests : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _owned = [];

    /// <summary>How long a test waits for a signal to cross the broker.</summary>
    protected virtual TimeSpan DeliveryTimeout => TimeSpan.FromSeconds(15);

    /// <summary>A bus over a new, separate broker connection (through the fault proxy when there is one).</summary>
    protected abstract Task<IEventBus> CreateBusAsync();

    /// <summary>Publishes raw bytes on the transport's channel with the broker's own client, bypassing the codec.</summary>
    protected abstract Task PublishRawAsync(byte[] message);

    /// <summary>Cuts every open client connection (a TCP proxy's reset), leaving the broker up.</summary>
    protected abstract Task CutConnectionsAsync();

    /// <summary>Stops and restarts the broker on the same address.</summary>
    protected abstract Task RestartBrokerAsync();

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            try
            {
                await owned.DisposeAsync();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    /// <summary>Creates a bus and disposes it with the test.</summary>
    protected async Task<IEventBus> Bus()
    {
        var bus = await CreateBusAsync();
        if (bus is IAsyncDisposable d)
        {
            _owned.Add(d);
        }

        return bus;
    }

    /// <summary>A client (one "process") over a shared store and its own bus connection.</summary>
    protected async Task<CoherenceClient> Process(IDirectoryStore store, CoherenceOptions? options = null, TimeProvider? time = null)
    {
        var client = new CoherenceClient(store, await Bus(), options, time);
        _owned.Insert(0, client);
        return client;
    }

    protected static InvalidationSignal Signal(string recipient, long version, string key = "plans/plan.md") =>
        new(new ArtifactKey("conf", key), version, new AgentId("writer"), SignalKind.Commit, new AgentId(recipient));

    protected async Task WaitUntil(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + DeliveryTimeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(20);
        }
    }

    // While a client reconnects its publishes may fail or vanish: keep publishing fresh versions until one arrives.
    private async Task PublishUntil(IEventBus publisher, Func<bool> arrived, string what)
    {
        var version = 100L;
        await WaitUntil(() =>
        {
            try
            {
                publisher.PublishAsync([Signal("reader", ++version)]).AsTask().Wait(TimeSpan.FromSeconds(2));
            }
            catch (AggregateException)
            {
            }

            return arrived();
        }, what);
    }

    private static async Task<List<InvalidationSignal>> Collect(IEventBus bus)
    {
        var seen = new List<InvalidationSignal>();
        await bus.SubscribeAsync(s =>
        {
            lock (seen)
            {
                seen.Add(s);
            }

            return ValueTask.CompletedTask;
        });
        return seen;
    }

    private static int CountOf(List<InvalidationSignal> seen)
    {
        lock (seen)
        {
            return seen.Count;
        }
    }

    [SkippableFact]
    public async Task A_signal_reaches_every_subscriber_across_three_connections()
    {
        var buses = new[] { await Bus(), await Bus(), await Bus() };
        var inboxes = new List<List<InvalidationSignal>>();
        foreach (var bus in buses)
        {
            inboxes.Add(await Collect(bus));
        }

        await buses[0].PublishAsync([Signal("reader", 7)]);

        foreach (var inbox in inboxes)
        {
            await WaitUntil(() => CountOf(inbox) >= 1, "delivery to every connection");
        }

        await Task.Delay(200);
        Assert.All(inboxes, inbox => Assert.Equal(Signal("reader", 7), Assert.Single(inbox)));
    }

    [SkippableFact]
    public async Task A_duplicated_signal_is_applied_once_by_its_recipient()
    {
        var store = new InMemoryDirectoryStore();
        var writerProcess = await Process(store);
        var readerProcess = await Process(store);
        await using var writer = writerProcess.Agent("writer");
        await using var reader = readerProcess.Agent("reader");
        await writer.WriteAsync("doc", "v1");
        await reader.ReadAsync("doc");
        var duplicate = new InvalidationSignal(readerProcess.Key("doc"), 2, writer.Id, SignalKind.Commit, reader.Id);

        await PublishRawAsync(SignalCodec.Encode(duplicate));
        await PublishRawAsync(SignalCodec.Encode(duplicate));
        await PublishRawAsync(SignalCodec.Encode(duplicate with { NewVersion = 3 }));

        await WaitUntil(() => reader.Stats.SignalsReceived >= 2, "both distinct signals");
        await Task.Delay(300);
        Assert.Equal(2, reader.Stats.SignalsReceived);
    }

    [SkippableFact]
    public async Task Out_of_order_signals_never_roll_a_recipient_back()
    {
        var store = new InMemoryDirectoryStore();
        var process = await Process(store);
        await using var reader = process.Agent("reader");
        var received = new List<long>();
        reader.SignalReceived += (_, s) => { lock (received) { received.Add(s.NewVersion); } };
        await reader.TryReadAsync(process.Key("doc"));
        var key = process.Key("doc");

        await PublishRawAsync(SignalCodec.Encode(new InvalidationSignal(key, 5, new AgentId("w"), SignalKind.Commit, reader.Id)));
        await PublishRawAsync(SignalCodec.Encode(new InvalidationSignal(key, 3, new AgentId("w"), SignalKind.Commit, reader.Id)));
        await PublishRawAsync(SignalCodec.Encode(new InvalidationSignal(key, 6, new AgentId("w"), SignalKind.Commit, reader.Id)));

        await WaitUntil(() => { lock (received) { return received.Contains(6); } }, "the newest signal");
        lock (received)
        {
            // A broker with concurrent consumers (MassTransit on RabbitMQ) may hand 6 over before 5, and
            // then 5 is dropped too: what must never happen is v3 applied after v5, or a duplicate.
            Assert.DoesNotContain(3L, received);
            Assert.Equal(received.Distinct().Count(), received.Count);
            Assert.All(received, v => Assert.Contains(v, new[] { 5L, 6L }));
        }
    }

    [SkippableFact]
    public async Task Malformed_and_oversized_messages_are_dropped_and_the_subscriber_keeps_working()
    {
        var bus = await Bus();
        var inbox = await Collect(bus);
        var valid = SignalCodec.Encode(Signal("reader", 2));
        var truncated = valid[..^3];
        var badVersion = (byte[])valid.Clone();
        badVersion[0] = 99;
        var oversized = new byte[SignalCodec.MaxMessageBytes + 1];

        await PublishRawAsync([1, 2, 3]);
        await PublishRawAsync(truncated);
        await PublishRawAsync(badVersion);
        await PublishRawAsync(oversized);
        await PublishRawAsync("{\"not\":\"a signal\"}"u8.ToArray());
        await PublishRawAsync(valid);

        await WaitUntil(() => CountOf(inbox) >= 1, "the valid signal after the malformed ones");
        Assert.Equal(Signal("reader", 2), Assert.Single(inbox));
        if (bus is BrokerEventBus broker)
        {
            await WaitUntil(() => broker.Rejected >= 5, "five rejections");
            Assert.Equal(5, broker.Rejected);
        }
    }

    [SkippableFact]
    public async Task Delivery_resumes_after_the_connections_are_cut_and_caches_revalidate()
    {
        var publisher = await Bus();
        var subscriber = await Bus();
        var inbox = await Collect(subscriber);
        var gaps = 0;
        if (subscriber is ISignalGapSource source)
        {
            source.SignalsMayHaveBeenMissed += (_, _) => Interlocked.Increment(ref gaps);
        }

        await CutConnectionsAsync();

        await PublishUntil(publisher, () => CountOf(inbox) > 0, "a signal after the cut");
        Assert.True(subscriber is not ISignalGapSource || Volatile.Read(ref gaps) > 0, "the bus reported the gap");
    }

    [SkippableFact]
    public async Task Delivery_resumes_after_the_broker_restarts()
    {
        var publisher = await Bus();
        var subscriber = await Bus();
        var inbox = await Collect(subscriber);
        await publisher.PublishAsync([Signal("reader", 1)]);
        await WaitUntil(() => CountOf(inbox) >= 1, "the first signal");

        await RestartBrokerAsync();

        await PublishUntil(publisher, () => { lock (inbox) { return inbox.Any(s => s.NewVersion > 100); } }, "a signal after the restart");
    }

    [SkippableFact]
    public async Task End_to_end_the_stale_write_is_refused_across_processes_and_both_edits_survive()
    {
        var store = new InMemoryDirectoryStore();
        var plannerProcess = await Process(store);
        var reviewerProcess = await Process(store);
        await using var planner = plannerProcess.Agent("planner");
        await using var reviewer = reviewerProcess.Agent("reviewer");
        await planner.WriteAsync("plans/plan.md", "# Plan\n");
        var plannerView = await planner.ReadAsync("plans/plan.md");
        var reviewerView = await reviewer.ReadAsync("plans/plan.md");

        await reviewer.WriteAsync("plans/plan.md", reviewerView.Text + "- reviewer\n");
        await WaitUntil(() => planner.Stats.SignalsReceived >= 1, "the reviewer's signal at the planner");

        await Assert.ThrowsAsync<StaleViewException>(() => planner.WriteAsync("plans/plan.md", plannerView.Text + "- planner\n").AsTask());
        var current = await planner.ReacquireAsync("plans/plan.md");
        await planner.WriteAsync("plans/plan.md", current.Text + "- planner\n");

        // A real broker delivers after the publish returns: until the signal lands, the reviewer's
        // cached copy is (legitimately) still served.
        await WaitUntil(() => reviewer.Stats.SignalsReceived >= 1, "the planner's signal at the reviewer");
        var final = (await reviewer.ReadAsync("plans/plan.md")).Text;
        Assert.Contains("- reviewer", final, StringComparison.Ordinal);
        Assert.Contains("- planner", final, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task End_to_end_eight_by_250_concurrent_increments_are_exact()
    {
        var store = new InMemoryDirectoryStore();
        var options = new CoherenceOptions { Update = { MaxRetries = 10_000, BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(20) } };
        var processes = new[] { await Process(store, options), await Process(store, options) };
        var agents = Enumerable.Range(0, 8).Select(i => processes[i % 2].Agent($"inc-{i}")).ToArray();
        await Task.WhenAll(agents.Select(agent => Task.Run(async () =>
        {
            for (var i = 0; i < 250; i++)
            {
                await agent.UpdateAsync("counter", c => ((c is null ? 0 : int.Parse(c.Text, CultureInfo.InvariantCulture)) + 1).ToString(CultureInfo.InvariantCulture));
            }
        })));

        Assert.Equal("2000", (await agents[0].ReacquireAsync("counter")).Text);
        foreach (var agent in agents)
        {
            await agent.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task End_to_end_a_reclaimed_zombie_is_refused_across_processes()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var store = new InMemoryDirectoryStore(time);
        var options = new CoherenceOptions { CrashRecovery = { Enabled = false } };
        var zombieProcess = await Process(store, options, time);
        var peerProcess = await Process(store, options, time);
        await using var zombie = zombieProcess.Agent("zombie", new AgentOptions { SendHeartbeats = false });
        await using var peer = peerProcess.Agent("peer");
        await peer.WriteAsync("doc", "v1");
        await zombie.ReadAsync("doc");
        var grant = await zombie.AcquireAsync(zombieProcess.Key("doc"));
        time.Advance(TimeSpan.FromMinutes(3));
        await peer.HeartbeatAsync();

        var sweep = await peerProcess.SweepAsync();

        Assert.Single(sweep.Reclaimed);
        await WaitUntil(() => zombie.Stats.SignalsReceived >= 1, "the reclaim signal at the zombie");
        await Assert.ThrowsAsync<StaleEpochException>(() => grant.CommitAsync("stale").AsTask());
        await peer.WriteAsync("doc", "v2");
        await Assert.ThrowsAsync<StaleEpochException>(() => grant.CommitAsync("stale").AsTask());
    }
}

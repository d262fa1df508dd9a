using AgentCoherence.Testing;
using AgentCoherence.Signals;

namespace AgentCoherence.Tests.Client;

/// <summary>BusIndependence: no guarantee rests on signal delivery.</summary>
public sealed class ChaosBusTests
{
    private static async Task<(string Final, long Version)> RunIncrements(IEventBus bus, CacheStrategy strategy, bool roundRobin = false)
    {
        var options = new CoherenceOptions
        {
            Cache = { Strategy = strategy },
            Update = { MaxRetries = 10_000, BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(10) },
        };
        await using var coherence = new CoherenceClient(new InMemoryDirectoryStore(), bus, options);
        var agents = Enumerable.Range(0, 4).Select(i => coherence.Agent($"a{i}")).ToArray();
        static ValueTask<ArtifactView> Increment(CoherentAgent agent) =>
            agent.UpdateAsync("counter", c => ((c is null ? 0 : int.Parse(c.Text, System.Globalization.CultureInfo.InvariantCulture)) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (roundRobin)
        {
            // Deterministic interleaving: every commit finds three peers holding views, so every commit signals.
            for (var i = 0; i < 400; i++)
            {
                await Increment(agents[i % 4]);
            }
        }
        else
        {
            await Task.WhenAll(agents.Select(agent => Task.Run(async () =>
            {
                for (var i = 0; i < 100; i++)
                {
                    await Increment(agent);
                }
            })));
        }
        var final = await agents[0].ReacquireAsync("counter");
        foreach (var agent in agents)
        {
            await agent.DisposeAsync();
        }

        return (final.Text, final.Version);
    }

    [Fact]
    public async Task With_every_signal_dropped_no_increment_is_lost()
    {
        var chaos = new ChaosEventBus(new InMemoryEventBus()) { DropRate = 1.0 };
        var (final, version) = await RunIncrements(chaos, CacheStrategy.Lazy);
        Assert.Equal("400", final);
        Assert.Equal(400, version);
        Assert.True(chaos.Dropped > 0);
    }

    [Fact]
    public async Task With_signals_duplicated_and_reordered_no_increment_is_lost()
    {
        var chaos = new ChaosEventBus(new InMemoryEventBus(), seed: 7) { DuplicateRate = 0.5, ReorderWindow = 5 };
        var (final, _) = await RunIncrements(chaos, CacheStrategy.Eager, roundRobin: true);
        Assert.Equal("400", final);
        Assert.True(chaos.Duplicated > 0);
        Assert.True(chaos.Reordered > 0);
    }

    [Fact]
    public async Task With_every_signal_dropped_a_stale_write_is_still_refused()
    {
        var chaos = new ChaosEventBus(new InMemoryEventBus()) { DropRate = 1.0 };
        await using var coherence = new CoherenceClient(new InMemoryDirectoryStore(), chaos);
        await using var a = coherence.Agent("a");
        await using var b = coherence.Agent("b");
        await a.WriteAsync("plan", "v1");
        var stale = await b.ReadAsync("plan");
        await a.WriteAsync("plan", "v2");

        // b never heard of v2: its cache still serves v1 ...
        Assert.Equal("v1", (await b.ReadAsync("plan")).Text);
        Assert.Equal(0, b.Stats.SignalsReceived);
        // ... but its write from that view is refused, and the CAS too.
        await Assert.ThrowsAsync<StaleViewException>(() => b.WriteAsync("plan", stale.Text + " edit").AsTask());
        await Assert.ThrowsAsync<VersionConflictException>(() => b.WriteCasAsync(coherence.Key("plan"), "x", stale.Version).AsTask());
        Assert.Equal("v2", (await b.ReacquireAsync("plan")).Text);
    }

    [Fact]
    public async Task Duplicated_and_out_of_order_signals_are_applied_once_per_recipient()
    {
        var chaos = new ChaosEventBus(new InMemoryEventBus(), seed: 3) { DuplicateRate = 1.0, ReorderWindow = 100 };
        await using var coherence = new CoherenceClient(new InMemoryDirectoryStore(), chaos);
        await using var writer = coherence.Agent("writer");
        await using var reader = coherence.Agent("reader");
        var received = new List<InvalidationSignal>();
        reader.SignalReceived += (_, s) => received.Add(s);
        for (var v = 1; v <= 6; v++)
        {
            await writer.WriteAsync("doc", $"v{v}");
            await reader.ReacquireAsync("doc");
        }

        await chaos.FlushAsync();

        // 5 signals published (v2..v6), each duplicated and shuffled; none applied twice, none older than one already applied.
        Assert.True(received.Count is >= 1 and <= 5);
        Assert.Equal(received.Count, received.Select(s => s.NewVersion).Distinct().Count());
        Assert.Equal(received.Select(s => s.NewVersion).Order(), received.Select(s => s.NewVersion));
        Assert.Contains(6L, received.Select(s => s.NewVersion));
    }
}

using Microsoft.Extensions.Time.Testing;

namespace AgentCoherence.Tests.Client;

public sealed class CacheStrategyTests
{
    private readonly FakeTimeProvider _time = new();

    private CoherenceClient Client(CacheStrategy strategy) => CoherenceClient.CreateInMemory(
        new CoherenceOptions { Cache = { Strategy = strategy, LeaseTtl = TimeSpan.FromSeconds(10), AccessCount = 3 }, CrashRecovery = { Enabled = false } },
        _time);

    [Fact]
    public async Task Lazy_serves_repeat_reads_locally_and_fetches_after_a_signal()
    {
        await using var coherence = Client(CacheStrategy.Lazy);
        await using var writer = coherence.Agent("w");
        await using var reader = coherence.Agent("r");
        await writer.WriteAsync("doc", "v1");
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal("v1", (await reader.ReadAsync("doc")).Text);
        }

        Assert.Equal((4L, 3L, 1L), (reader.Stats.Reads, reader.Stats.Hits, reader.Stats.Misses));
        await writer.WriteAsync("doc", "v2");
        Assert.Equal((4L, 3L, 1L), (reader.Stats.Reads, reader.Stats.Hits, reader.Stats.Misses));
        Assert.Equal("v2", (await reader.ReadAsync("doc")).Text);
        Assert.Equal(2, reader.Stats.Misses);
    }

    [Fact]
    public async Task Eager_fetches_the_new_version_when_the_signal_arrives()
    {
        await using var coherence = Client(CacheStrategy.Eager);
        await using var writer = coherence.Agent("w");
        await using var reader = coherence.Agent("r");
        await writer.WriteAsync("doc", "v1");
        await reader.ReadAsync("doc");
        await writer.WriteAsync("doc", "v2");
        await WaitFor(() => reader.Stats.Misses == 2);
        var readsBefore = reader.Stats.Misses;
        Assert.Equal("v2", (await reader.ReadAsync("doc")).Text);
        Assert.Equal(readsBefore, reader.Stats.Misses);
    }

    [Fact]
    public async Task Lease_revalidates_after_the_ttl_without_moving_content_when_nothing_changed()
    {
        await using var coherence = Client(CacheStrategy.Lease);
        await using var writer = coherence.Agent("w");
        await using var reader = coherence.Agent("r");
        await writer.WriteAsync("doc", "v1");
        await reader.ReadAsync("doc");
        await reader.ReadAsync("doc");
        Assert.Equal(0, reader.Stats.Revalidations);
        _time.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal("v1", (await reader.ReadAsync("doc")).Text);
        Assert.Equal(1, reader.Stats.Revalidations);
        Assert.Equal(1, reader.Stats.Misses);
        Assert.Equal(2, reader.Stats.Hits);
    }

    [Fact]
    public async Task AccessCount_revalidates_after_n_local_hits()
    {
        await using var coherence = Client(CacheStrategy.AccessCount);
        await using var writer = coherence.Agent("w");
        await using var reader = coherence.Agent("r");
        await writer.WriteAsync("doc", "v1");
        for (var i = 0; i < 5; i++)
        {
            await reader.ReadAsync("doc");
        }

        // 1 fetch, 3 local hits, then a re-validation (a hit that asked the store).
        Assert.Equal(1, reader.Stats.Misses);
        Assert.Equal(1, reader.Stats.Revalidations);
        Assert.Equal(4, reader.Stats.Hits);
    }

    [Fact]
    public async Task Lease_bounds_staleness_when_signals_are_lost()
    {
        var chaos = new AgentCoherence.Testing.ChaosEventBus(new InMemoryEventBus()) { DropRate = 1.0 };
        await using var coherence = new CoherenceClient(
            new InMemoryDirectoryStore(_time), chaos,
            new CoherenceOptions { Cache = { Strategy = CacheStrategy.Lease, LeaseTtl = TimeSpan.FromSeconds(10) }, CrashRecovery = { Enabled = false } },
            _time);
        await using var writer = coherence.Agent("w");
        await using var reader = coherence.Agent("r");
        await writer.WriteAsync("doc", "v1");
        await reader.ReadAsync("doc");
        await writer.WriteAsync("doc", "v2");
        Assert.Equal("v1", (await reader.ReadAsync("doc")).Text);
        _time.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal("v2", (await reader.ReadAsync("doc")).Text);
    }

    [Fact]
    public async Task Broadcast_pushes_full_content_to_holders_and_charges_no_signal_tokens()
    {
        await using var coherence = Client(CacheStrategy.Broadcast);
        await using var writer = coherence.Agent("w");
        await using var reader = coherence.Agent("r");
        await writer.WriteAsync("doc", "v1");
        await reader.ReadAsync("doc");
        await writer.WriteAsync("doc", "v2 is longer");
        await WaitFor(() => reader.Stats.Misses == 2);
        Assert.Equal(0, reader.Stats.SignalTokens);
        Assert.Equal("v2 is longer", (await reader.ReadAsync("doc")).Text);
    }

    private static async Task WaitFor(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }
}

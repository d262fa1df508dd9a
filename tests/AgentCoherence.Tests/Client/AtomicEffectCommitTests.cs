using AgentCoherence.Testing;
using AgentCoherence.Protocol;

namespace AgentCoherence.Tests.Client;

/// <summary>
/// The agent's public effect overloads (what CoherentVolume renames files with): the effect runs inside the store's
/// step with the new version(s), exactly once per applied write through lost replies, retries and resolution, never for
/// a refusal; what a failing effect throws reaches the caller unchanged and unretried, with nothing landed; a store that
/// cannot run effects is refused before anything is sent.
/// </summary>
public sealed class AtomicEffectCommitTests
{
    [Theory]
    [InlineData(FaultyDirectoryStore.Fault.None)]
    [InlineData(FaultyDirectoryStore.Fault.LoseReply)]
    [InlineData(FaultyDirectoryStore.Fault.LoseRequest)]
    public async Task A_grant_commit_runs_its_effect_once_per_applied_write(FaultyDirectoryStore.Fault fault)
    {
        var store = new FaultyDirectoryStore(new InMemoryDirectoryStore());
        await using var coherence = new CoherenceClient(store, new InMemoryEventBus());
        await using var agent = coherence.Agent("a");
        var key = coherence.Key("doc");
        var seen = new List<long>();

        await using (var grant = await agent.AcquireAsync(key))
        {
            store.NextWrite = fault;
            Assert.Equal(1, await grant.CommitAsync("v1", seen.Add));
            Assert.Equal(1, grant.Version);
        }

        Assert.Equal([1L], seen);
        Assert.Equal(ContentPayload.HashHex("v1"u8), (await coherence.InspectAsync(key)).ContentHash);
    }

    [Theory]
    [InlineData(FaultyDirectoryStore.Fault.None)]
    [InlineData(FaultyDirectoryStore.Fault.LoseReply)]
    [InlineData(FaultyDirectoryStore.Fault.LoseRequest)]
    public async Task A_compare_and_set_write_runs_its_effect_once_with_the_new_version(FaultyDirectoryStore.Fault fault)
    {
        var store = new FaultyDirectoryStore(new InMemoryDirectoryStore());
        await using var coherence = new CoherenceClient(store, new InMemoryEventBus());
        await using var agent = coherence.Agent("a");
        var key = coherence.Key("doc");
        await agent.WriteAsync(key, "v1");
        var seen = new List<long>();

        store.NextWrite = fault;
        var view = await agent.WriteCasAsync(key, "v2", 1, seen.Add);

        Assert.Equal([2L], seen);
        Assert.Equal(2, view.Version);
        Assert.Equal("v2", view.Text);
    }

    [Fact]
    public async Task A_refused_write_never_runs_its_effect()
    {
        await using var coherence = CoherenceClient.CreateInMemory();
        await using var agent = coherence.Agent("a");
        var key = coherence.Key("doc");
        await agent.WriteAsync(key, "v1");
        await agent.WriteAsync(key, "v2");
        var runs = 0;

        await Assert.ThrowsAsync<VersionConflictException>(() => agent.WriteCasAsync(key, "from v1", 1, _ => runs++).AsTask());

        Assert.Equal(0, runs);
    }

    [Fact]
    public async Task A_commit_under_a_reclaimed_grant_never_runs_its_effect()
    {
        var options = new CoherenceOptions();
        options.CrashRecovery.Enabled = false;
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        await using var coherence = new CoherenceClient(new InMemoryDirectoryStore(time), new InMemoryEventBus(), options, time);
        await using var zombie = coherence.Agent("zombie", new AgentOptions { SendHeartbeats = false });
        var key = coherence.Key("doc");
        await using var grant = await zombie.AcquireAsync(key);
        time.Advance(options.CrashRecovery.HeartbeatTimeout + TimeSpan.FromSeconds(1));
        await coherence.SweepAsync();
        var runs = 0;

        await Assert.ThrowsAsync<StaleEpochException>(() => grant.CommitAsync("stale work", _ => runs++).AsTask());

        Assert.Equal(0, runs);
    }

    [Fact]
    public async Task A_write_whose_outcome_was_unknown_does_not_run_its_effect_again_when_resolved()
    {
        var options = new CoherenceOptions();
        options.StoreRetry.MaxAttempts = 2;
        var store = new FaultyDirectoryStore(new InMemoryDirectoryStore());
        await using var coherence = new CoherenceClient(store, new InMemoryEventBus(), options);
        await using var agent = coherence.Agent("a");
        var key = coherence.Key("doc");
        await agent.WriteAsync(key, "v1");
        var seen = new List<long>();

        // Applied on the first attempt (the effect runs), the reply lost; the same-id retry's reply lost too.
        store.Then(FaultyDirectoryStore.Fault.LoseReply, FaultyDirectoryStore.Fault.LoseReply);
        var unknown = await Assert.ThrowsAsync<OutcomeUnknownException>(() => agent.WriteCasAsync(key, "v2", 1, seen.Add).AsTask());
        var landed = await agent.ResolveAsync(unknown);

        Assert.True(landed);
        Assert.Equal([2L], seen);
        Assert.Equal(2, (await coherence.InspectAsync(key)).Version);
    }

    [Fact]
    public async Task A_write_resolved_later_runs_its_effect_then_and_what_it_throws_reaches_the_caller_unchanged()
    {
        var options = new CoherenceOptions();
        options.StoreRetry.MaxAttempts = 2;
        var store = new FaultyDirectoryStore(new InMemoryDirectoryStore());
        await using var coherence = new CoherenceClient(store, new InMemoryEventBus(), options);
        await using var agent = coherence.Agent("a");
        var key = coherence.Key("doc");
        await agent.WriteAsync(key, "v1");
        var runs = 0;

        // Neither attempt reached the store; the write is applied only when it is resolved, and its effect fails then.
        store.Then(FaultyDirectoryStore.Fault.LoseRequest, FaultyDirectoryStore.Fault.LoseRequest);
        var unknown = await Assert.ThrowsAsync<OutcomeUnknownException>(() => agent.WriteCasAsync(key, "v2", 1, _ =>
        {
            runs++;
            throw new IOException("rename failed");
        }).AsTask());
        var failed = await Assert.ThrowsAsync<IOException>(() => agent.ResolveAsync(unknown).AsTask());

        Assert.Equal("rename failed", failed.Message);
        Assert.Equal(1, runs);
        Assert.Equal(1, (await coherence.InspectAsync(key)).Version);
    }

    [Fact]
    public async Task What_a_failing_effect_throws_reaches_the_caller_unchanged_unretried_and_nothing_lands()
    {
        var store = new FaultyDirectoryStore(new InMemoryDirectoryStore());
        await using var coherence = new CoherenceClient(store, new InMemoryEventBus());
        await using var agent = coherence.Agent("a");
        await agent.WriteAsync("doc", "v1");
        var key = coherence.Key("doc");
        var calls = 0;

        var failed = await Assert.ThrowsAsync<IOException>(() => agent.WriteCasAsync(key, "v2", 1, _ =>
        {
            calls++;
            throw new IOException("rename failed");
        }).AsTask());

        Assert.Equal("rename failed", failed.Message);
        Assert.Equal(1, calls);
        Assert.Equal(1, (await coherence.InspectAsync(key)).Version);
        Assert.Equal("v1", (await agent.ReadAsync(key)).Text);
    }

    [Fact]
    public async Task A_publish_runs_its_effect_once_with_every_new_version_in_item_order()
    {
        await using var coherence = CoherenceClient.CreateInMemory();
        await using var agent = coherence.Agent("a");
        await agent.WriteAsync("y", "y1");
        var seen = new List<IReadOnlyList<long>>();

        var views = await agent.PublishAsync([new PublishItem(coherence.Key("x"), "x1", 0), new PublishItem(coherence.Key("y"), "y2", 1)], seen.Add);

        Assert.Equal([1L, 2L], Assert.Single(seen));
        Assert.Equal([1L, 2L], views.Select(v => v.Version));
    }

    [Fact]
    public async Task A_refused_publish_never_runs_its_effect()
    {
        await using var coherence = CoherenceClient.CreateInMemory();
        await using var agent = coherence.Agent("a");
        await agent.WriteAsync("y", "y1");
        var runs = 0;

        await Assert.ThrowsAsync<BatchConflictException>(() => agent.PublishAsync([new PublishItem(coherence.Key("x"), "x1", 0), new PublishItem(coherence.Key("y"), "stale", 0)], _ => runs++).AsTask());

        Assert.Equal(0, runs);
        Assert.False((await coherence.InspectAsync(coherence.Key("x"))).Exists);
    }

    [Fact]
    public async Task Every_effect_overload_needs_a_store_that_runs_effects_and_sends_nothing_otherwise()
    {
        var store = new StepOnlyStore(new InMemoryDirectoryStore());
        await using var coherence = new CoherenceClient(store, new InMemoryEventBus());
        await using var agent = coherence.Agent("a");
        var key = coherence.Key("doc");
        await using var grant = await agent.AcquireAsync(key);
        var runs = 0;

        await Assert.ThrowsAsync<NotSupportedException>(() => agent.WriteCasAsync(key, "v1", 0, _ => runs++).AsTask());
        await Assert.ThrowsAsync<NotSupportedException>(() => grant.CommitAsync("v1", _ => runs++).AsTask());
        await Assert.ThrowsAsync<NotSupportedException>(() => agent.PublishAsync([new PublishItem(key, "v1", 0)], _ => runs++).AsTask());

        Assert.Equal(0, runs);
        Assert.Equal(0, (await coherence.InspectAsync(key)).Version);
    }
}

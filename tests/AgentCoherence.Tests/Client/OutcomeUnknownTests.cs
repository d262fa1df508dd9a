using AgentCoherence.Testing;
using AgentCoherence.Protocol;

namespace AgentCoherence.Tests.Client;

/// <summary>A write cut mid-flight lands exactly once: the agent sends it again with the same operation id.</summary>
public sealed class OutcomeUnknownTests
{
    [Theory]
    [InlineData(FaultyDirectoryStore.Fault.LoseReply)]
    [InlineData(FaultyDirectoryStore.Fault.LoseRequest)]
    public async Task A_cas_whose_outcome_is_unknown_lands_exactly_once(FaultyDirectoryStore.Fault fault)
    {
        var store = new FaultyDirectoryStore(new InMemoryDirectoryStore());
        await using var coherence = new CoherenceClient(store, new InMemoryEventBus());
        await using var agent = coherence.Agent("a");
        await agent.UpdateAsync("counter", _ => "1");
        var appliedBefore = store.WritesApplied;

        store.NextWrite = fault;
        var view = await agent.UpdateAsync("counter", c => (int.Parse(c!.Text, System.Globalization.CultureInfo.InvariantCulture) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal("2", view.Text);
        Assert.Equal(2, view.Version);
        Assert.Equal(appliedBefore + 1, store.Applied.Select(a => a.Id).Distinct().Count());
        Assert.Equal(2, (await store.InspectAsync(coherence.Key("counter")))!.Version);
    }

    [Theory]
    [InlineData(FaultyDirectoryStore.Fault.LoseReply)]
    [InlineData(FaultyDirectoryStore.Fault.LoseRequest)]
    public async Task A_grant_commit_whose_outcome_is_unknown_lands_exactly_once(FaultyDirectoryStore.Fault fault)
    {
        var store = new FaultyDirectoryStore(new InMemoryDirectoryStore());
        await using var coherence = new CoherenceClient(store, new InMemoryEventBus());
        await using var agent = coherence.Agent("a");
        await agent.WriteAsync("doc", "v1");

        store.NextWrite = fault;
        var view = await agent.WriteAsync("doc", "v2");

        Assert.Equal(2, view.Version);
        var record = (await store.InspectAsync(coherence.Key("doc")))!;
        Assert.Equal(2, record.Version);
        Assert.Equal(ContentPayload.HashHex("v2"u8), record.ContentHash);
    }

    [Fact]
    public async Task A_registration_that_fails_once_is_retried_within_the_first_operation()
    {
        var store = new FaultyDirectoryStore(new InMemoryDirectoryStore()) { FailNextRegister = true };
        await using var coherence = new CoherenceClient(store, new InMemoryEventBus());
        await using var agent = coherence.Agent("a");
        Assert.Equal(1, (await agent.WriteAsync("doc", "v1")).Version);
    }

    [Fact]
    public async Task A_store_unreachable_through_every_attempt_surfaces_as_StoreUnavailableException_and_the_next_operation_starts_again()
    {
        var store = new FaultyDirectoryStore(new InMemoryDirectoryStore()) { FailRegisters = 2 };
        await using var coherence = new CoherenceClient(store, new InMemoryEventBus(), new CoherenceOptions { StoreRetry = { MaxAttempts = 2, BaseDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero } });
        await using var agent = coherence.Agent("a");
        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => agent.WriteAsync("doc", "v1").AsTask());
        Assert.False(error.MayHaveLanded);
        Assert.IsType<IOException>(error.InnerException);
        Assert.Equal(1, (await agent.WriteAsync("doc", "v1")).Version);
    }

    [Fact]
    public async Task A_write_whose_replies_stay_lost_surfaces_as_OutcomeUnknown_with_its_id_and_resolves_later_without_applying_twice()
    {
        var store = new FaultyDirectoryStore(new InMemoryDirectoryStore());
        await using var coherence = new CoherenceClient(store, new InMemoryEventBus(), new CoherenceOptions { StoreRetry = { MaxAttempts = 2, BaseDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero } });
        await using var agent = coherence.Agent("a");
        await agent.WriteCasAsync(coherence.Key("doc"), "v1", 0);

        store.Then(FaultyDirectoryStore.Fault.LoseReply, FaultyDirectoryStore.Fault.LoseReply);
        var unknown = await Assert.ThrowsAsync<OutcomeUnknownException>(() => agent.WriteCasAsync(coherence.Key("doc"), "v2", 1).AsTask());
        Assert.True(unknown.MayHaveLanded);
        Assert.False(unknown.OperationId.IsNone);

        Assert.True(await agent.ResolveAsync(unknown));
        Assert.True(await agent.ResolveAsync(unknown));
        var record = (await store.InspectAsync(coherence.Key("doc")))!;
        Assert.Equal(2, record.Version);
        Assert.Equal(ContentPayload.HashHex("v2"u8), record.ContentHash);
    }

    [Theory]
    [InlineData(FaultyDirectoryStore.Fault.LoseReply)]
    [InlineData(FaultyDirectoryStore.Fault.LoseRequest)]
    public async Task When_a_peer_commits_on_top_before_the_retry_each_increment_lands_exactly_once(FaultyDirectoryStore.Fault fault)
    {
        var store = new FaultyDirectoryStore(new InMemoryDirectoryStore());
        await using var coherence = new CoherenceClient(store, new InMemoryEventBus(), new CoherenceOptions { Update = { MaxRetries = 10 } });
        await using var agent = coherence.Agent("a");
        await using var peer = coherence.Agent("peer");
        static string Increment(ArtifactView? c) => (int.Parse(c?.Text ?? "0", System.Globalization.CultureInfo.InvariantCulture) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await agent.UpdateAsync("counter", Increment);

        store.NextWrite = fault;
        store.InTheGap = async () => await peer.UpdateAsync("counter", Increment);
        await agent.UpdateAsync("counter", Increment);

        Assert.Equal("3", (await agent.ReacquireAsync("counter")).Text);
    }
}

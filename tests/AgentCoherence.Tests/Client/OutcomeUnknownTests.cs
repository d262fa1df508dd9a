using AgentCoherence.Testing;

namespace AgentCoherence.Tests.Client;

/// <summary>A write cut mid-flight lands exactly once: the agent re-reads and recognises its own commit.</summary>
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
        Assert.Equal(appliedBefore + 1, store.WritesApplied);
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
    public async Task An_agent_whose_first_registration_failed_registers_on_its_next_operation()
    {
        var store = new FaultyDirectoryStore(new InMemoryDirectoryStore()) { FailNextRegister = true };
        await using var coherence = new CoherenceClient(store, new InMemoryEventBus());
        await using var agent = coherence.Agent("a");
        await Assert.ThrowsAsync<IOException>(() => agent.WriteAsync("doc", "v1").AsTask());
        Assert.Equal(1, (await agent.WriteAsync("doc", "v1")).Version);
    }

    [Theory]
    [InlineData(FaultyDirectoryStore.Fault.LoseReply)]
    [InlineData(FaultyDirectoryStore.Fault.LoseRequest)]
    public async Task When_a_peer_commits_on_top_before_the_re_read_the_outcome_stays_unknown_and_nothing_applies_twice(FaultyDirectoryStore.Fault fault)
    {
        var store = new FaultyDirectoryStore(new InMemoryDirectoryStore());
        await using var coherence = new CoherenceClient(store, new InMemoryEventBus(), new CoherenceOptions { Update = { MaxRetries = 10 } });
        await using var agent = coherence.Agent("a");
        await using var peer = coherence.Agent("peer");
        static string Increment(ArtifactView? c) => (int.Parse(c?.Text ?? "0", System.Globalization.CultureInfo.InvariantCulture) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await agent.UpdateAsync("counter", Increment);

        store.NextWrite = fault;
        store.InTheGap = async () => await peer.UpdateAsync("counter", Increment);
        await Assert.ThrowsAsync<OutcomeUnknownException>(() => agent.UpdateAsync("counter", Increment).AsTask());

        var expected = fault == FaultyDirectoryStore.Fault.LoseReply ? "3" : "2";
        Assert.Equal(expected, (await agent.ReacquireAsync("counter")).Text);
    }
}

using AgentCoherence.Testing;
using AgentCoherence.Protocol;

namespace AgentCoherence.Tests.Client;

/// <summary>
/// The agent's internal effect entry points (used by CoherentVolume): the effect runs inside the store's step,
/// exactly once per applied write through lost replies and retries, and a failing effect reaches the caller
/// unretried with nothing landed.
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
            Assert.Equal(1, await grant.CommitAsync(agent.Payload("v1"), r => seen.Add(r.Version), CancellationToken.None));
        }

        Assert.Equal([1L], seen);
        Assert.Equal(ContentPayload.HashHex("v1"u8), (await store.InspectAsync(key))!.ContentHash);
    }

    [Fact]
    public async Task A_failing_effect_is_not_retried_and_nothing_lands()
    {
        var store = new FaultyDirectoryStore(new InMemoryDirectoryStore());
        await using var coherence = new CoherenceClient(store, new InMemoryEventBus());
        await using var agent = coherence.Agent("a");
        await agent.WriteAsync("doc", "v1");
        var key = coherence.Key("doc");
        var calls = 0;

        var failed = await Assert.ThrowsAsync<AtomicEffectFailedException>(async () => await agent.WriteCasAsync(key, agent.Payload("v2"), 1, _ =>
        {
            calls++;
            throw new IOException("rename failed");
        }, CancellationToken.None));

        Assert.Equal(1, calls);
        Assert.IsType<IOException>(failed.InnerException);
        Assert.Equal(1, (await store.InspectAsync(key))!.Version);
        Assert.Equal("v1", (await agent.ReadAsync(key)).Text);
    }

    [Fact]
    public async Task A_publish_runs_its_effect_with_every_new_version()
    {
        await using var coherence = new CoherenceClient(new InMemoryDirectoryStore(), new InMemoryEventBus());
        await using var agent = coherence.Agent("a");
        CommitAllResult? seen = null;

        var views = await agent.PublishBatchAsync(
            [new BatchMember(coherence.Key("x"), agent.Payload("x1"), 0), new BatchMember(coherence.Key("y"), agent.Payload("y1"), 0)],
            r => seen = r,
            CancellationToken.None);

        Assert.Equal([1L, 1L], seen!.Versions);
        Assert.Equal([1L, 1L], views.Select(v => v.Version));
    }

    [Fact]
    public async Task An_effect_needs_a_store_that_runs_effects()
    {
        await using var coherence = new CoherenceClient(new StepOnlyStore(new InMemoryDirectoryStore()), new InMemoryEventBus());
        await using var agent = coherence.Agent("a");

        await Assert.ThrowsAsync<NotSupportedException>(async () => await agent.WriteCasAsync(coherence.Key("doc"), agent.Payload("v1"), 0, _ => { }, CancellationToken.None));
    }

    /// <summary>A store with the plain operations only (as the Redis store).</summary>
    private sealed class StepOnlyStore(IDirectoryStore inner) : IDirectoryStore
    {
        public ValueTask RegisterAgentAsync(AgentId agent, CancellationToken cancellationToken = default) => inner.RegisterAgentAsync(agent, cancellationToken);

        public ValueTask<Refusal?> HeartbeatAsync(AgentId agent, CancellationToken cancellationToken = default) => inner.HeartbeatAsync(agent, cancellationToken);

        public ValueTask<ReadResult> ReadAsync(AgentId agent, ArtifactKey key, long knownVersion = -1, CancellationToken cancellationToken = default) => inner.ReadAsync(agent, key, knownVersion, cancellationToken);

        public ValueTask<WriteResult> AcquireAsync(AgentId agent, ArtifactKey key, OperationId operation = default, CancellationToken cancellationToken = default) => inner.AcquireAsync(agent, key, operation, cancellationToken);

        public ValueTask<WriteResult> CommitAsync(AgentId agent, ArtifactKey key, ContentPayload content, OperationId operation = default, CancellationToken cancellationToken = default) => inner.CommitAsync(agent, key, content, operation, cancellationToken);

        public ValueTask<WriteResult> CommitCasAsync(AgentId agent, ArtifactKey key, ContentPayload content, long expectedVersion, OperationId operation = default, CancellationToken cancellationToken = default) => inner.CommitCasAsync(agent, key, content, expectedVersion, operation, cancellationToken);

        public ValueTask<CommitAllResult> CommitAllAsync(AgentId agent, IReadOnlyList<BatchMember> members, OperationId operation = default, CancellationToken cancellationToken = default) => inner.CommitAllAsync(agent, members, operation, cancellationToken);

        public ValueTask<WriteResult> DeleteAsync(AgentId agent, ArtifactKey key, long? expectedVersion, OperationId operation = default, CancellationToken cancellationToken = default) => inner.DeleteAsync(agent, key, expectedVersion, operation, cancellationToken);

        public ValueTask<bool> ReleaseAsync(AgentId agent, ArtifactKey key, OperationId operation = default, CancellationToken cancellationToken = default) => inner.ReleaseAsync(agent, key, operation, cancellationToken);

        public ValueTask<bool> ForgetAsync(AgentId agent, CancellationToken cancellationToken = default) => inner.ForgetAsync(agent, cancellationToken);

        public ValueTask<SweepResult> SweepAsync(SweepPolicy policy, CancellationToken cancellationToken = default) => inner.SweepAsync(policy, cancellationToken);

        public ValueTask<DirectoryRecord?> InspectAsync(ArtifactKey key, CancellationToken cancellationToken = default) => inner.InspectAsync(key, cancellationToken);
    }
}

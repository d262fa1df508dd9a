using Xunit;
using static AgentCoherence.Testing.StoreTestExtensions;
using AgentCoherence.Protocol;

namespace AgentCoherence.Testing;

/// <summary>
/// The read-only listings status tools use (<see cref="IDirectoryStore.ListRecordsAsync"/>,
/// <see cref="IDirectoryStore.ListAgentsAsync"/>): every record once, each as <see cref="IDirectoryStore.InspectAsync"/>
/// returns it but without content; every registered agent once with its last heartbeat; nothing changed by listing.
/// </summary>
public abstract partial class DirectoryStoreConformanceTests
{
    private static readonly ArtifactKey Queue = new("ops", "tasks/queue.json");

    private async Task<List<DirectoryRecord>> ListRecords()
    {
        var records = new List<DirectoryRecord>();
        await foreach (var record in Store.ListRecordsAsync())
        {
            records.Add(record);
        }

        return records;
    }

    private async Task<Dictionary<AgentId, DateTimeOffset>> ListAgents()
    {
        var agents = new Dictionary<AgentId, DateTimeOffset>();
        await foreach (var agent in Store.ListAgentsAsync())
        {
            agents.Add(agent.Agent, agent.LastHeartbeat);
        }

        return agents;
    }

    private static string WithoutContent(DirectoryRecord record)
    {
        var copy = record.Clone();
        copy.Content = null;
        return StoreDifferentialTests.Describe(copy);
    }

    [Fact]
    public async Task Listing_an_empty_store_returns_no_records()
    {
        Assert.Empty(await ListRecords());
    }

    [Fact]
    public async Task Listing_returns_every_record_once_as_Inspect_does_but_without_content()
    {
        // A held grant with a reader, a tombstone, and a grant the sweep reclaimed.
        await Create(Plan, "v1");
        await Store.ReadAsync(B, Plan);
        (await Store.AcquireAsync(A, Plan)).Ok();
        await Create(Notes, "draft", by: B);
        (await Store.DeleteAsync(B, Notes, expectedVersion: 1)).Ok();
        (await Store.AcquireAsync(C, Queue)).Ok();
        Time.Advance(TimeSpan.FromMinutes(3));
        await Store.HeartbeatAsync(A);
        await Store.HeartbeatAsync(B);
        Assert.Equal(C, Assert.Single((await Store.SweepAsync(SweepPolicy.Default)).Reclaimed).Agent);

        var listed = await ListRecords();

        Assert.Equal(
            new[] { Notes, Queue, Plan }.Select(k => k.StoreKey).Order(StringComparer.Ordinal),
            listed.Select(r => r.Key.StoreKey).Order(StringComparer.Ordinal));
        foreach (var record in listed)
        {
            Assert.Null(record.Content);
            Assert.Equal(WithoutContent((await Store.InspectAsync(record.Key))!), StoreDifferentialTests.Describe(record));
        }

        var plan = listed.Single(r => r.Key == Plan);
        Assert.Equal(HolderState.Exclusive, plan.Holders[A].State);
        Assert.Equal(HolderState.Shared, plan.Holders[B].State);
        Assert.NotNull(plan.ContentHash);
        Assert.True(listed.Single(r => r.Key == Notes).IsTombstone);
        var queue = listed.Single(r => r.Key == Queue);
        Assert.Equal(1, queue.OwnerEpoch);
        Assert.Equal(new ReclaimInfo(ReclaimTrigger.Heartbeat, Time.GetUtcNow(), 1), queue.Holders[C].LastReclaim);
    }

    [Fact]
    public async Task Listing_changes_nothing()
    {
        await Create(Plan, "v1");
        (await Store.AcquireAsync(A, Plan)).Ok();
        var before = await Snapshot(Plan);
        var agentsBefore = await ListAgents();

        await ListRecords();
        await ListAgents();

        Assert.Equal(before, await Snapshot(Plan));
        Assert.Equal(agentsBefore, await ListAgents());
    }

    [Fact]
    public async Task Listing_pages_through_more_records_than_one_page_holds()
    {
        // 515 records: more than two pages of 256 (the SQLite and Redis page size), created in a few batches.
        var keys = Enumerable.Range(0, 515).Select(i => new ArtifactKey("bulk", $"item-{i:D4}")).ToArray();
        foreach (var batch in keys.Chunk(100))
        {
            var result = await Store.CommitAllAsync(A, batch.Select(k => new BatchMember(k, Text(k.Name), 0)).ToArray());
            Assert.True(result.Committed);
        }

        var listed = await ListRecords();

        Assert.Equal(keys.Select(k => k.StoreKey).Order(StringComparer.Ordinal), listed.Select(r => r.Key.StoreKey).Order(StringComparer.Ordinal));
        Assert.All(listed, r => Assert.Equal(1, r.Version));
    }

    [Fact]
    public async Task Agents_listing_returns_every_registered_agent_with_its_last_heartbeat()
    {
        var registered = Time.GetUtcNow();
        Time.Advance(TimeSpan.FromSeconds(42));
        await Store.HeartbeatAsync(B);
        var beat = Time.GetUtcNow();
        Assert.True(await Store.ForgetAsync(C));

        var agents = await ListAgents();

        Assert.Equal(new Dictionary<AgentId, DateTimeOffset> { [A] = registered, [B] = beat }, agents);
    }

    [Fact]
    public async Task Agents_listing_pages_through_more_agents_than_one_page_holds()
    {
        var many = Enumerable.Range(0, 300).Select(i => new AgentId($"worker-{i:D3}")).ToArray();
        foreach (var agent in many)
        {
            await Store.RegisterAgentAsync(agent);
        }

        var agents = await ListAgents();

        Assert.Equal(many.Concat([A, B, C]).Select(a => a.Value).Order(StringComparer.Ordinal), agents.Keys.Select(a => a.Value).Order(StringComparer.Ordinal));
    }
}

using AgentCoherence.Protocol;

namespace AgentCoherence.Tests.Client;

/// <summary>
/// What disposing an agent leaves in the store: by default the agent leaves (views dropped, grants
/// released); with KeepViewsOnDispose a later process with the same agent id carries on from its views.
/// </summary>
public sealed class AgentLifetimeTests
{
    private readonly InMemoryDirectoryStore _store = new();

    [Fact]
    public async Task By_default_a_disposed_agents_view_is_gone_so_its_successor_must_read_again()
    {
        await Seed("v1");
        await using (var first = Client(keepViews: false))
        {
            await using var reviewer = first.Agent("reviewer");
            await reviewer.ReadAsync("plan.md");
        }

        await using var second = Client(keepViews: false);
        await using var successor = second.Agent("reviewer");
        var refused = await Assert.ThrowsAsync<StaleViewException>(() => successor.WriteAsync("plan.md", "v2").AsTask());
        Assert.Equal(0, refused.SeenVersion);
        Assert.Null((await _store.InspectAsync(ArtifactKey.Of("plan.md")))!.Holders.GetValueOrDefault(new AgentId("reviewer")));
    }

    [Fact]
    public async Task With_KeepViewsOnDispose_the_next_process_writes_on_the_view_its_predecessor_read()
    {
        await Seed("v1");
        await using (var first = Client(keepViews: true))
        {
            await using var reviewer = first.Agent("reviewer");
            await reviewer.ReadAsync("plan.md");
        }

        await using var second = Client(keepViews: true);
        await using var successor = second.Agent("reviewer");
        var written = await successor.WriteAsync("plan.md", "v2 by reviewer");

        Assert.Equal(2, written.Version);
    }

    [Fact]
    public async Task With_KeepViewsOnDispose_a_view_that_went_stale_meanwhile_is_still_refused()
    {
        await Seed("v1");
        await using (var first = Client(keepViews: true))
        {
            await using var reviewer = first.Agent("reviewer");
            await reviewer.ReadAsync("plan.md");
        }

        await Seed("v2 by planner", expectedVersion: 1);
        await using var second = Client(keepViews: true);
        await using var successor = second.Agent("reviewer");

        var refused = await Assert.ThrowsAsync<StaleViewException>(() => successor.WriteAsync("plan.md", "reviewer saw v1").AsTask());
        Assert.Equal(1, refused.SeenVersion);
        Assert.Equal(2, refused.CurrentVersion);
    }

    [Fact]
    public async Task With_KeepViewsOnDispose_grants_the_agent_took_are_still_released()
    {
        await Seed("v1");
        await using (var first = Client(keepViews: true))
        {
            var reviewer = first.Agent("reviewer");
            await reviewer.ReadAsync("plan.md");
            _ = await reviewer.AcquireAsync(ArtifactKey.Of("plan.md"));
            await reviewer.DisposeAsync();
        }

        var record = (await _store.InspectAsync(ArtifactKey.Of("plan.md")))!;
        Assert.Equal(HolderState.Shared, record.Holders[new AgentId("reviewer")].State);
        await using var other = Client(keepViews: false);
        await using var planner = other.Agent("planner");
        await planner.ReadAsync("plan.md");
        Assert.Equal(2, (await planner.WriteAsync("plan.md", "v2")).Version);
    }

    private CoherenceClient Client(bool keepViews) =>
        new(_store, new InMemoryEventBus(), new CoherenceOptions { KeepViewsOnDispose = keepViews, CrashRecovery = { Enabled = false } });

    private async Task Seed(string content, long expectedVersion = 0)
    {
        await using var client = Client(keepViews: false);
        await using var planner = client.Agent("seeder");
        await planner.WriteCasAsync(ArtifactKey.Of("plan.md"), content, expectedVersion);
    }
}

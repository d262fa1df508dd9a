using AgentCoherence.Testing;
using StackExchange.Redis;
using static AgentCoherence.Testing.StoreTestExtensions;

namespace AgentCoherence.Redis.Tests;

/// <summary>The proxy's lasting faults, with Redis behind it: lost replies and a partition, each until healed.</summary>
[Collection(RedisCollection.Name)]
public sealed class TcpProxyFaultTests(RedisFixture redis)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [SkippableFact]
    public async Task While_replies_are_lost_a_commit_runs_on_Redis_and_its_caller_learns_nothing_until_the_heal_resets_the_connection()
    {
        await using var proxy = RedisProxies.To(redis.ConnectionString);
        await using var connection = await ConnectionMultiplexer.ConnectAsync(RedisProxies.Through(redis.ConnectionString, proxy));
        var prefix = RedisFixture.NewPrefix();
        var proxied = new RedisDirectoryStore(connection, new RedisStoreOptions { KeyPrefix = prefix });
        var direct = redis.NewStore(TimeProvider.System, prefix);
        AgentId agent = "writer";
        var key = new ArtifactKey("team", "notes.md");
        await proxied.RegisterAgentAsync(agent);
        (await proxied.CommitCasAsync(agent, key, Text("v1"), 0)).Ok();

        proxy.LoseReplies();
        var commit = proxied.CommitCasAsync(agent, key, Text("v2"), 1).AsTask();
        await Eventually(async () => (await direct.InspectAsync(key))?.Version == 2);
        Assert.False(commit.IsCompleted);
        Assert.True(proxy.LostReplies > 0);

        proxy.Heal();
        var unknown = await Assert.ThrowsAsync<OutcomeUnknownException>(() => commit);
        Assert.Equal(key, unknown.Key);
        Assert.Equal(2, (await proxied.ReadAsync(agent, key)).Version);
    }

    [SkippableFact]
    public async Task A_partition_refuses_every_connection_until_healed_and_the_client_then_reconnects()
    {
        await using var proxy = RedisProxies.To(redis.ConnectionString);
        var options = RedisProxies.Through(redis.ConnectionString, proxy);
        options.AsyncTimeout = 500;
        options.ReconnectRetryPolicy = new LinearRetry(50);
        await using var connection = await ConnectionMultiplexer.ConnectAsync(options);
        var store = new RedisDirectoryStore(connection, new RedisStoreOptions { KeyPrefix = RedisFixture.NewPrefix() });
        await using var client = new CoherenceClient(store, new InMemoryEventBus(), new CoherenceOptions { CrashRecovery = { Enabled = false }, StoreRetry = { MaxAttempts = 2 } });
        await using var agent = client.Agent("reader");
        var key = client.Key("notes.md");
        await agent.WriteCasAsync(key, "v1", 0);

        proxy.Partition();
        var unavailable = await Assert.ThrowsAsync<StoreUnavailableException>(async () => await agent.ReacquireAsync(key));
        Assert.False(unavailable.MayHaveLanded);
        Assert.True(proxy.RefusedConnections > 0, "The client never tried to reconnect during the partition.");

        proxy.Heal();
        await Eventually(async () =>
        {
            try
            {
                return (await agent.ReacquireAsync(key)).Version == 1;
            }
            catch (StoreUnavailableException)
            {
                return false;
            }
        });
    }

    // Polls until the condition holds; fails only after a minute (a liveness bound, not a timing assertion).
    private static async Task Eventually(Func<Task<bool>> condition)
    {
        using var patience = new CancellationTokenSource(Patience);
        while (!await condition())
        {
            await Task.Delay(20, patience.Token);
        }
    }
}

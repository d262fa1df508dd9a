using System.Globalization;
using System.Text.Json;
using AgentCoherence.Protocol;
using AgentCoherence.Redis;
using AgentCoherence.Testing.Servers;
using StackExchange.Redis;
using static AgentCoherence.Cli.Tests.StatusCommandTests;

namespace AgentCoherence.Cli.Tests;

/// <summary>
/// <c>coherence status --redis</c> against a real server (the shared harness: AGENTCOHERENCE_REDIS, a container, or a
/// redis-server on a random loopback port). The store runs on its own clock here, so the reclaim is forced with a
/// zero heartbeat timeout and times are compared with what the store itself lists.
/// </summary>
public sealed class StatusRedisTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [SkippableFact]
    public async Task Status_of_a_redis_store_shows_grants_tombstones_heartbeats_and_reclaims()
    {
        redis.SkipIfUnavailable();
        var prefix = $"cli-{Guid.NewGuid():N}:";
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString!);
        var store = new RedisDirectoryStore(connection, new RedisStoreOptions { KeyPrefix = prefix });
        AgentId planner = "planner", editor = "editor", zombie = "zombie";
        var plan = new ArtifactKey("team", "plans/plan.md");
        var old = new ArtifactKey("team", "notes/old.md");
        var queue = new ArtifactKey("team", "tasks/queue.json");
        foreach (var agent in new[] { planner, editor, zombie })
        {
            await store.RegisterAgentAsync(agent);
        }

        Assert.Null((await store.CommitCasAsync(planner, plan, ContentPayload.Create("v1"u8.ToArray(), 2), 0)).Refusal);
        Assert.Null((await store.CommitCasAsync(planner, old, ContentPayload.Create("old"u8.ToArray(), 1), 0)).Refusal);
        Assert.Null((await store.DeleteAsync(planner, old, 1)).Refusal);
        Assert.Null((await store.AcquireAsync(zombie, queue)).Refusal);
        Assert.Equal(zombie, Assert.Single((await store.SweepAsync(new SweepPolicy(TimeSpan.Zero, TimeSpan.FromHours(1), null))).Reclaimed).Agent);
        await store.ReadAsync(editor, plan);
        Assert.Null((await store.AcquireAsync(editor, plan)).Refusal);
        var heartbeats = new Dictionary<string, DateTimeOffset>();
        await foreach (var agent in store.ListAgentsAsync())
        {
            heartbeats[agent.Agent.Value] = agent.LastHeartbeat;
        }

        var (exit, output, errors) = await Run(null, "status", "--redis", redis.ConnectionString!, "--key-prefix", prefix);
        var (jsonExit, json, _) = await Run(null, "status", "--redis", redis.ConnectionString!, "--key-prefix", prefix, "--json");

        Assert.Equal(0, exit);
        Assert.Equal(string.Empty, errors);
        Assert.Contains($"prefix '{prefix}'", output, StringComparison.Ordinal);
        Assert.Contains("3 artifacts (1 deleted), 1 grant held, 3 agents, 1 reclaim recorded", output, StringComparison.Ordinal);
        Assert.Contains("editor:E", Row(output, "team/plans/plan.md"), StringComparison.Ordinal);
        Assert.Contains("v2 deleted", Row(output, "team/notes/old.md"), StringComparison.Ordinal);
        Assert.Contains("zombie:I", Row(output, "team/tasks/queue.json"), StringComparison.Ordinal);

        Assert.Equal(0, jsonExit);
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        Assert.Equal("redis", root.GetProperty("store").GetProperty("kind").GetString());
        var grant = Artifact(root, "team/plans/plan.md").GetProperty("grant");
        Assert.Equal("editor", grant.GetProperty("holder").GetString());
        Assert.Equal("exclusive", grant.GetProperty("state").GetString());
        Assert.True(Artifact(root, "team/notes/old.md").GetProperty("deleted").GetBoolean());
        Assert.Equal(1, Artifact(root, "team/tasks/queue.json").GetProperty("ownerEpoch").GetInt64());
        foreach (var (agent, beat) in heartbeats)
        {
            Assert.Equal(
                beat.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
                Agent(root, agent).GetProperty("lastHeartbeat").GetString());
        }

        // Taken by the server's clock, which stamped the heartbeats (RedisClock.Server): never before the last of them.
        var takenAt = DateTimeOffset.Parse(root.GetProperty("takenAt").GetString()!, CultureInfo.InvariantCulture);
        Assert.True(takenAt >= heartbeats.Values.Max().AddMilliseconds(-1), $"takenAt {takenAt:O} precedes a heartbeat");

        var reclaim = Assert.Single(root.GetProperty("recentReclaims").EnumerateArray());
        Assert.Equal("zombie", reclaim.GetProperty("agent").GetString());
        Assert.Equal("heartbeat", reclaim.GetProperty("trigger").GetString());
        Assert.Equal(1, reclaim.GetProperty("epoch").GetInt64());
    }
}

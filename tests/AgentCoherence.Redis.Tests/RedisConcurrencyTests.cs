using System.Globalization;
using AgentCoherence.Testing;
using Microsoft.Extensions.Time.Testing;
using static AgentCoherence.Testing.StoreTestExtensions;
using AgentCoherence.Protocol;

namespace AgentCoherence.Redis.Tests;

/// <summary>Atomicity and fencing across coordinator instances that share one Redis through separate connections.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisConcurrencyTests(RedisFixture redis)
{
    [SkippableFact]
    public async Task Eight_writers_on_two_instances_with_separate_connections_end_at_exactly_2000_increments()
    {
        await using var first = await redis.ConnectSeparatelyAsync();
        await using var second = await redis.ConnectSeparatelyAsync();
        var options = new RedisStoreOptions { KeyPrefix = RedisFixture.NewPrefix() };
        RedisDirectoryStore[] instances = [new(first, options), new(second, options)];
        var key = new ArtifactKey("team", "counter");

        var writers = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            var store = instances[i % 2];
            var agent = new AgentId($"writer-{i}");
            await store.RegisterAgentAsync(agent);
            for (var wins = 0; wins < 250;)
            {
                var read = await store.ReadAsync(agent, key);
                var (version, value) = read.Refusal is null ? (read.Version, int.Parse(read.TextOf()!, CultureInfo.InvariantCulture)) : (0L, 0);
                var result = await store.CommitCasAsync(agent, key, Text((value + 1).ToString(CultureInfo.InvariantCulture)), version);
                if (result.Succeeded)
                {
                    wins++;
                }
                else
                {
                    Assert.Equal(RefusalReason.VersionConflict, result.Refusal!.Reason);
                }
            }
        }));
        await Task.WhenAll(writers);

        var record = (await instances[0].InspectAsync(key))!;
        Assert.Equal(2000, record.Version);
        Assert.Equal("2000", System.Text.Encoding.UTF8.GetString(record.Content!));
    }

    [SkippableFact]
    public async Task Sweeps_from_two_instances_at_once_reclaim_each_grant_once()
    {
        await using var first = await redis.ConnectSeparatelyAsync();
        await using var second = await redis.ConnectSeparatelyAsync();
        // Both instances on one clock that the test moves (RedisClock.Client), as they share the server's in production.
        var options = new RedisStoreOptions { KeyPrefix = RedisFixture.NewPrefix(), Clock = RedisClock.Client };
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
        RedisDirectoryStore[] instances = [new(first, options, time), new(second, options, time)];
        var keys = Enumerable.Range(0, 4).Select(i => new ArtifactKey("team", $"doc-{i}")).ToArray();
        for (var i = 0; i < keys.Length; i++)
        {
            var holder = new AgentId($"stalled-{i}");
            await instances[i % 2].RegisterAgentAsync(holder);
            (await instances[i % 2].AcquireAsync(holder, keys[i])).Ok();
        }

        time.Advance(TimeSpan.FromMinutes(3));
        var sweeps = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => instances[i % 2].SweepAsync(SweepPolicy.Default).AsTask())));

        Assert.Equal(keys.Length, sweeps.Sum(s => s.Reclaimed.Count));
        Assert.Equal(keys.Length, sweeps.SelectMany(s => s.Signals).Select(s => s.Key).Distinct().Count());
        foreach (var key in keys)
        {
            Assert.Equal(1, (await instances[0].InspectAsync(key))!.OwnerEpoch);
        }
    }

    [SkippableFact]
    public async Task A_zombie_on_one_instance_is_fenced_after_another_instance_sweeps_its_grant()
    {
        await using var first = await redis.ConnectSeparatelyAsync();
        await using var second = await redis.ConnectSeparatelyAsync();
        // One clock for both instances (the client clock, so the test moves it), as the server's is in production.
        var options = new RedisStoreOptions { KeyPrefix = RedisFixture.NewPrefix(), Clock = RedisClock.Client };
        var laterTime = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
        var zombieHost = new RedisDirectoryStore(first, options, laterTime);
        var sweeperHost = new RedisDirectoryStore(second, options, laterTime);
        AgentId zombie = "zombie", peer = "peer";
        var key = new ArtifactKey("team", "plans/plan.md");

        await zombieHost.RegisterAgentAsync(zombie);
        await sweeperHost.RegisterAgentAsync(peer);
        (await sweeperHost.CommitCasAsync(peer, key, Text("v1"), 0)).Ok();
        await zombieHost.ReadAsync(zombie, key);
        (await zombieHost.AcquireAsync(zombie, key)).Ok();

        laterTime.Advance(TimeSpan.FromMinutes(3));
        await sweeperHost.HeartbeatAsync(peer);
        var sweep = await sweeperHost.SweepAsync(SweepPolicy.Default);
        Assert.Equal(zombie, Assert.Single(sweep.Reclaimed).Agent);

        var refusal = (await zombieHost.CommitAsync(zombie, key, Text("zombie write"))).Refused(RefusalReason.StaleEpoch);
        Assert.Equal(0, refusal.ReadEpoch);
        Assert.Equal(1, refusal.OwnerEpoch);
        Assert.Equal(ReclaimTrigger.Heartbeat, refusal.Reclaim?.Trigger);
        (await zombieHost.CommitCasAsync(zombie, key, Text("zombie write"), 1)).Refused(RefusalReason.StaleEpoch);
        Assert.Equal("v1", System.Text.Encoding.UTF8.GetString((await sweeperHost.InspectAsync(key))!.Content!));
    }
}

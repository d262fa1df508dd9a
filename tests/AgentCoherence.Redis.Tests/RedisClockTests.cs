using AgentCoherence.Protocol;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using static AgentCoherence.Testing.StoreTestExtensions;

namespace AgentCoherence.Redis.Tests;

/// <summary>
/// One clock per directory (PROTOCOL.md, "Faults"): by default the Redis store stamps heartbeats, grants,
/// commits and reclaims with the Redis server's clock, and the sweep judges silence by it, so hosts whose
/// own clocks disagree cannot reclaim each other's live agents or keep dead ones.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class RedisClockTests(RedisFixture redis)
{
    // Long enough that a live agent heartbeating in the loop below is never near it, short enough that
    // the test waits only this long for the dead agents to pass it on the server's clock.
    private static readonly SweepPolicy Policy = new(TimeSpan.FromSeconds(5), TimeSpan.FromHours(1), null);

    [SkippableFact]
    public async Task Two_hosts_whose_clocks_differ_by_ten_minutes_reclaim_no_live_grant_and_still_reclaim_the_dead_ones()
    {
        await using var first = await redis.ConnectSeparatelyAsync();
        await using var second = await redis.ConnectSeparatelyAsync();
        var options = new RedisStoreOptions { KeyPrefix = RedisFixture.NewPrefix() };
        var ahead = new RedisDirectoryStore(first, options, new SkewedClock(TimeSpan.FromMinutes(10)));
        var onTime = new RedisDirectoryStore(second, options, new SkewedClock(TimeSpan.Zero));
        AgentId liveAhead = "live-ahead", liveOnTime = "live-on-time", deadAhead = "dead-ahead", deadOnTime = "dead-on-time";
        var grants = new Dictionary<AgentId, (RedisDirectoryStore Host, ArtifactKey Key)>
        {
            [liveAhead] = (ahead, new ArtifactKey("team", "a.md")),
            [liveOnTime] = (onTime, new ArtifactKey("team", "b.md")),
            [deadAhead] = (ahead, new ArtifactKey("team", "c.md")),
            [deadOnTime] = (onTime, new ArtifactKey("team", "d.md")),
        };
        foreach (var (agent, (host, key)) in grants)
        {
            await host.RegisterAgentAsync(agent);
            (await host.AcquireAsync(agent, key)).Ok();
        }

        // Both hosts sweep over and over while the live agents heartbeat, until the dead agents have
        // been silent past the timeout on the server's clock and are reclaimed.
        var reclaimed = new List<Reclamation>();
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (reclaimed.Count(r => r.Agent == deadAhead || r.Agent == deadOnTime) < 2)
        {
            Assert.Null(await ahead.HeartbeatAsync(liveAhead));
            Assert.Null(await onTime.HeartbeatAsync(liveOnTime));
            reclaimed.AddRange((await ahead.SweepAsync(Policy)).Reclaimed);
            reclaimed.AddRange((await onTime.SweepAsync(Policy)).Reclaimed);
            Assert.DoesNotContain(reclaimed, r => r.Agent == liveAhead || r.Agent == liveOnTime);
            await Task.Delay(100, patience.Token);
        }

        Assert.Equal(2, reclaimed.Count);
        Assert.All(reclaimed, r => Assert.Equal(ReclaimTrigger.Heartbeat, r.Info.Trigger));
        Assert.Equal(1, (await ahead.CommitAsync(liveAhead, grants[liveAhead].Key, Text("still mine"))).Ok());
        Assert.Equal(1, (await onTime.CommitAsync(liveOnTime, grants[liveOnTime].Key, Text("still mine"))).Ok());
        (await ahead.CommitAsync(deadAhead, grants[deadAhead].Key, Text("zombie"))).Refused(RefusalReason.StaleEpoch);
    }

    [SkippableFact]
    public async Task By_default_heartbeats_grants_commits_reclaims_and_prunes_go_by_the_servers_time_not_the_hosts()
    {
        var hostClock = new FakeTimeProvider(new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var store = new RedisDirectoryStore(redis.Connection, new RedisStoreOptions { KeyPrefix = RedisFixture.NewPrefix() }, hostClock);
        var server = redis.Connection.GetServer(redis.Connection.GetEndPoints()[0]);
        AgentId alice = "alice", bob = "bob";
        ArtifactKey key = new("team", "plan.md"), notes = new("team", "notes.md");

        var before = new DateTimeOffset(await server.TimeAsync(), TimeSpan.Zero);
        await store.RegisterAgentAsync(alice);
        await store.RegisterAgentAsync(bob);
        (await store.AcquireAsync(alice, key)).Ok();
        (await store.CommitAsync(alice, key, Text("v1"))).Ok();
        (await store.CommitCasAsync(alice, notes, Text("n1"), 0)).Ok();
        await store.ReadAsync(bob, notes);

        // Limits of zero: on the server's clock every agent has been silent that long, whatever the
        // host's clock says, so the grant is reclaimed (alice's entry then fences her) and the two
        // reader entries on the notes are pruned.
        var swept = await store.SweepAsync(new SweepPolicy(TimeSpan.Zero, TimeSpan.FromHours(1), TimeSpan.Zero));
        var after = new DateTimeOffset(await server.TimeAsync(), TimeSpan.Zero);
        Assert.Equal(2, swept.PrunedEntries);
        Assert.Empty((await store.InspectAsync(notes))!.Holders);

        var record = (await store.InspectAsync(key))!;
        var reclaim = Assert.Single(swept.Reclaimed).Info;
        Assert.InRange(record.CommittedAt!.Value, before, after);
        Assert.InRange(reclaim.At, record.CommittedAt.Value, after);
        Assert.Equal(reclaim, record.Holders[alice].LastReclaim);
    }

    [SkippableFact]
    public async Task With_the_client_clock_the_store_stamps_with_its_TimeProvider()
    {
        var hostClock = new FakeTimeProvider(new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var store = new RedisDirectoryStore(redis.Connection, new RedisStoreOptions { KeyPrefix = RedisFixture.NewPrefix(), Clock = RedisClock.Client }, hostClock);
        AgentId alice = "alice";
        var key = new ArtifactKey("team", "plan.md");
        await store.RegisterAgentAsync(alice);
        (await store.AcquireAsync(alice, key)).Ok();
        Assert.Equal(hostClock.GetUtcNow(), (await store.InspectAsync(key))!.Holders[alice].GrantedAt);
        hostClock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(hostClock.GetUtcNow(), Assert.Single((await store.SweepAsync(SweepPolicy.Default)).Reclaimed).Info.At);
    }

    /// <summary>The system clock moved by a fixed offset: a host whose clock is off.</summary>
    private sealed class SkewedClock(TimeSpan offset) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;
    }
}

using System.Text;
using AgentCoherence.Testing;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;
using AgentCoherence.Protocol;

namespace AgentCoherence.Redis.Tests;

/// <summary>
/// A zombie in another OS process whose refused write loses its reply (issue 10): the zombie's grant is
/// reclaimed by a sweep in this process, then its write reaches Redis, is refused StaleEpoch, and the
/// proxy between it and Redis swallows the refusal and resets the connection. The zombie's client
/// retries through the healed proxy. Resolving the lost reply must not re-arm the fence: the write
/// surfaces as StaleEpochException, the zombie's next CAS is refused too, and the record is untouched.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class RedisZombieProcessTests(RedisFixture redis, ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>The zombie's first write after its grant was reclaimed.</summary>
    public enum ZombieWrite
    {
        /// <summary>WriteCasAsync at the artifact's current version.</summary>
        Cas,

        /// <summary>A commit under the grant it took before the sweep.</summary>
        GrantCommit,
    }

    [SkippableTheory]
    [InlineData(ZombieWrite.Cas, true)]
    [InlineData(ZombieWrite.Cas, false)]
    [InlineData(ZombieWrite.GrantCommit, true)]
    [InlineData(ZombieWrite.GrantCommit, false)]
    public async Task A_reclaimed_zombie_in_another_process_whose_refused_write_loses_its_reply_stays_fenced(ZombieWrite write, bool peerCommitted)
    {
        var prefix = RedisFixture.NewPrefix();
        var key = new ArtifactKey("team", "plans/plan.md");

        // This process: the peer and the sweeper, on a direct connection, on its own clock (RedisClock.Client)
        // an hour ahead of the Redis server's, which the zombie's store uses (the default), so one sweep
        // finds the zombie silent past the heartbeat timeout.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow + TimeSpan.FromHours(1));
        var store = redis.NewStore(time, prefix);
        await using var client = new CoherenceClient(store, new InMemoryEventBus(), new CoherenceOptions { CrashRecovery = { Enabled = false } }, time);
        await using var peer = client.Agent("peer");
        Assert.Equal(1, (await peer.WriteCasAsync(key, "v1 by peer", 0)).Version);

        // The zombie: a worker process whose only way to Redis is the proxy.
        await using var proxy = RedisProxies.To(redis.ConnectionString);
        var through = RedisProxies.Through(redis.ConnectionString, proxy).ToString(includePassword: true);
        using var zombie = WorkerProcess.Start("zombie", through, prefix, "zombie", key.StoreKey);
        Assert.StartsWith("HELD v1", await zombie.WaitForLine("HELD", Patience), StringComparison.Ordinal);

        var swept = await client.SweepAsync();
        var reclaimed = Assert.Single(swept.Reclaimed);
        Assert.Equal(new AgentId("zombie"), reclaimed.Agent);
        Assert.Equal(ReclaimTrigger.Heartbeat, reclaimed.Info.Trigger);

        var current = 1L;
        var content = "v1 by peer";
        if (peerCommitted)
        {
            await peer.ReacquireAsync(key);
            content = "v2 by peer";
            current = (await peer.WriteCasAsync(key, content, 1)).Version;
            Assert.Equal(2, current);
        }

        // The zombie's write reaches Redis; the proxy swallows the reply and resets every connection.
        var script = write == ZombieWrite.Cas ? RedisScripts.CommitCas : RedisScripts.Commit;
        proxy.CutOnRequest(RedisProxies.Marker(script, store.ScriptMode), deliverRequest: true);
        var (verb, request) = write == ZombieWrite.Cas ? ("CAS", $"cas {current} zombie-1") : ("COMMIT", "commit zombie-1");
        zombie.SendLine(request);
        var first = await zombie.WaitForLine(verb, Patience);
        var cuts = proxy.Cuts;
        var fired = !proxy.Armed;

        // The zombie's next CAS, at the artifact's version now (peeked without side effects), so that
        // only the fence can refuse it.
        var now = (await store.InspectAsync(key))!.Version;
        zombie.SendLine($"cas {now} zombie-2");
        var second = await zombie.WaitForLine("CAS", Patience);
        var record = (await store.InspectAsync(key))!;
        var zombieEntry = record.Holders.GetValueOrDefault(new AgentId("zombie"));
        var observed = $"""
            zombie's {request} -> {first}
            zombie's cas {now} zombie-2 -> {second}
            proxy: fired={fired}, cuts={cuts}
            record: v{record.Version} '{Encoding.UTF8.GetString(record.Content ?? [])}' by {record.LastWriter}, owner epoch {record.OwnerEpoch}; zombie {zombieEntry?.State} view v{zombieEntry?.ViewVersion} read epoch {zombieEntry?.ReadEpoch?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}
            """;
        zombie.SendLine("quit");
        Assert.Equal(0, await zombie.WaitForExit(Patience));
        output.WriteLine(observed);
        output.WriteLine("zombie's output:\n" + zombie.Transcript);

        Assert.True(fired && cuts == 1, $"The proxy did not lose the reply as armed.\n{observed}\n{zombie.Transcript}");
        Assert.True(first.StartsWith($"{verb} StaleEpochException", StringComparison.Ordinal), $"The zombie's write whose refusal was lost must surface as StaleEpochException.\n{observed}");
        Assert.True(second.StartsWith("CAS StaleEpochException", StringComparison.Ordinal), $"The zombie's next CAS must be refused too (sticky fence).\n{observed}");
        Assert.Equal(current, record.Version);
        Assert.Equal(content, Encoding.UTF8.GetString(record.Content!));
        Assert.Equal(new AgentId("peer"), record.LastWriter);
        Assert.Equal(1, record.OwnerEpoch);
        Assert.NotNull(zombieEntry);
        Assert.Equal(HolderState.Invalid, zombieEntry.State);
        Assert.Equal(0, zombieEntry.ReadEpoch);
    }
}

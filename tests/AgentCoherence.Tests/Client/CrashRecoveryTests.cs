using Microsoft.Extensions.Time.Testing;

namespace AgentCoherence.Tests.Client;

public sealed class CrashRecoveryTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 9, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task A_writer_reclaimed_while_stalled_is_refused_with_StaleEpoch_and_stays_refused_until_it_re_reads()
    {
        // The sweeper is on by default: advancing the clock runs it.
        await using var coherence = CoherenceClient.CreateInMemory(timeProvider: _time);
        await using var zombie = coherence.Agent("zombie", new AgentOptions { SendHeartbeats = false });
        await using var peer = coherence.Agent("peer");
        var plan = coherence.Key("plans/plan.md");
        await peer.WriteAsync(plan, "v1");
        await zombie.ReadAsync(plan);
        var grant = await zombie.AcquireAsync(plan);

        _time.Advance(TimeSpan.FromMinutes(3));

        var refused = await Assert.ThrowsAsync<StaleEpochException>(() => grant.CommitAsync("stale work").AsTask());
        Assert.Equal(ReclaimTrigger.Heartbeat, refused.Reclaim?.Trigger);
        Assert.Equal(0, refused.ReadEpoch);
        Assert.Equal(1, refused.OwnerEpoch);

        // Peers read and commit: nothing they do re-arms the zombie's fence.
        await peer.ReadAsync(plan);
        await Assert.ThrowsAsync<StaleEpochException>(() => grant.CommitAsync("stale work").AsTask());
        await peer.WriteAsync(plan, "v2 by peer");
        await Assert.ThrowsAsync<StaleEpochException>(() => grant.CommitAsync("stale work").AsTask());
        await Assert.ThrowsAsync<StaleEpochException>(() => zombie.WriteCasAsync(plan, "stale work", 2).AsTask());

        // Only its own re-read clears it; then it writes on top of the peer's work.
        var current = await zombie.ReacquireAsync(plan);
        Assert.Equal("v2 by peer", current.Text);
        var written = await zombie.WriteAsync(plan, current.Text + " + zombie redone");
        Assert.Equal(3, written.Version);
        await grant.DisposeAsync();
    }

    [Fact]
    public async Task Automatic_heartbeats_keep_a_live_holders_grant_past_the_heartbeat_timeout()
    {
        await using var coherence = CoherenceClient.CreateInMemory(timeProvider: _time);
        await using var agent = coherence.Agent("steady");
        var key = coherence.Key("doc");
        await using var grant = await agent.AcquireAsync(key);
        for (var i = 0; i < 10; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(30));
        }

        Assert.Equal(1, await grant.CommitAsync("still mine"));
    }

    [Fact]
    public async Task Max_hold_reclaims_a_grant_even_from_a_live_agent()
    {
        await using var coherence = CoherenceClient.CreateInMemory(timeProvider: _time);
        await using var agent = coherence.Agent("hog");
        var key = coherence.Key("doc");
        var grant = await agent.AcquireAsync(key);
        for (var i = 0; i < 32; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(30));
        }

        var refused = await Assert.ThrowsAsync<StaleEpochException>(() => grant.CommitAsync("late").AsTask());
        Assert.Equal(ReclaimTrigger.MaxHold, refused.Reclaim?.Trigger);
    }

    [Fact]
    public async Task The_reclaimed_agent_receives_a_reclaim_signal()
    {
        await using var coherence = CoherenceClient.CreateInMemory(new CoherenceOptions { CrashRecovery = { Enabled = false } }, _time);
        await using var agent = coherence.Agent("sleepy", new AgentOptions { SendHeartbeats = false });
        var key = coherence.Key("doc");
        _ = await agent.AcquireAsync(key);
        var signals = new List<InvalidationSignal>();
        agent.SignalReceived += (_, s) => signals.Add(s);
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Empty(signals);

        var result = await coherence.SweepAsync();

        Assert.Single(result.Reclaimed);
        var signal = Assert.Single(signals);
        Assert.Equal(SignalKind.Reclaim, signal.Kind);
        Assert.True(signal.Issuer.IsSystem);
    }

    [Fact]
    public async Task Disposing_an_agent_releases_its_grants()
    {
        await using var coherence = CoherenceClient.CreateInMemory(timeProvider: _time);
        var leaver = coherence.Agent("leaver");
        await using var next = coherence.Agent("next");
        var key = coherence.Key("doc");
        _ = await leaver.AcquireAsync(key);
        await leaver.DisposeAsync();
        await using var grant = await next.AcquireAsync(key);
        Assert.Equal(1, await grant.CommitAsync("mine now"));
    }
}

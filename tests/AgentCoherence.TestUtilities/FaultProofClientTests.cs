using Microsoft.Extensions.Time.Testing;
using Xunit;
using AgentCoherence.Protocol;

namespace AgentCoherence.Testing;

/// <summary>
/// The client's promise under faults, through the public API (issue 10): no lost reply, cut release,
/// cancellation or raw client-library failure lets a stale write land, applies a write twice, hides a
/// write that landed, loses its signals, or leaves a cached read stale; an agent the store forgot
/// recovers. Each store's test project inherits this class and supplies <see cref="CreateStore"/>;
/// faults are injected by <see cref="FaultyDirectoryStore"/> around the real store.
/// </summary>
public abstract class FaultProofClientTests : FaultyStoreTestBase
{
    /// <summary>A client over the faulty store and an in-process bus; no background sweeper or heartbeats unless asked.</summary>
    /// <remarks>Back-off delays are zero: the clock is a fake one that only the test moves, so a delay would hang.</remarks>
    protected CoherenceClient Client(InMemoryEventBus? bus = null, CoherenceOptions? options = null) =>
        new(Faults, bus ?? new InMemoryEventBus(), options ?? NoDelays(), Time);

    /// <summary>Default options with every back-off at zero (attempts as the defaults) and no sweep timer: tests sweep by hand.</summary>
    protected static CoherenceOptions NoDelays(int storeAttempts = 5) => new()
    {
        CrashRecovery = { Enabled = false },
        Update = { BaseDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero },
        StoreRetry = { MaxAttempts = storeAttempts, BaseDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero },
    };

    protected static AgentOptions Quiet => new() { SendHeartbeats = false };

    [Fact]
    public async Task A_reclaimed_zombie_whose_refused_cas_reply_is_lost_stays_fenced()
    {
        await using var coherence = Client();
        await using var zombie = coherence.Agent("zombie", Quiet);
        var key = coherence.Key("plans/plan.md");
        await zombie.WriteCasAsync(key, "v1", 0);
        var grant = await zombie.AcquireAsync(key);
        Time.Advance(TimeSpan.FromMinutes(3));
        Assert.Single((await coherence.SweepAsync()).Reclaimed);

        // The store refuses the zombie (StaleEpoch), and the reply is lost on the way back.
        Faults.NextWrite = FaultyDirectoryStore.Fault.LoseReply;
        await Assert.ThrowsAsync<StaleEpochException>(() => zombie.WriteCasAsync(key, "zombie work", 1).AsTask());
        await Assert.ThrowsAsync<StaleEpochException>(() => zombie.WriteCasAsync(key, "zombie work again", 1).AsTask());

        var record = (await Inner.InspectAsync(key))!;
        Assert.Equal(1, record.Version);
        Assert.Equal(ContentPayload.HashHex("v1"u8), record.ContentHash);
        await grant.DisposeAsync();
    }

    [Fact]
    public async Task A_reclaimed_zombie_whose_refused_grant_commit_reply_is_lost_stays_fenced_after_a_peer_committed()
    {
        await using var coherence = Client();
        await using var zombie = coherence.Agent("zombie", Quiet);
        await using var peer = coherence.Agent("peer", Quiet);
        var key = coherence.Key("plans/plan.md");
        await peer.WriteAsync(key, "v1");
        await zombie.ReadAsync(key);
        var grant = await zombie.AcquireAsync(key);
        Time.Advance(TimeSpan.FromMinutes(3));
        await coherence.SweepAsync();
        var current = await peer.ReacquireAsync(key);
        await peer.WriteAsync(key, current.Text + " + peer");

        Faults.NextWrite = FaultyDirectoryStore.Fault.LoseReply;
        await Assert.ThrowsAsync<StaleEpochException>(() => grant.CommitAsync("zombie work").AsTask());
        await Assert.ThrowsAsync<StaleEpochException>(() => zombie.WriteCasAsync(key, "zombie work", 2).AsTask());
        Assert.Equal(2, (await Inner.InspectAsync(key))!.Version);
        await grant.DisposeAsync();
    }

    [Theory]
    [InlineData(FaultyDirectoryStore.Fault.LoseReply)]
    [InlineData(FaultyDirectoryStore.Fault.LoseRequest)]
    [InlineData(FaultyDirectoryStore.Fault.RawAfterApply)]
    public async Task A_write_whose_release_fails_after_the_commit_landed_is_reported_landed_once(FaultyDirectoryStore.Fault fault)
    {
        await using var coherence = Client();
        await using var writer = coherence.Agent("writer", Quiet);
        await using var peer = coherence.Agent("peer", Quiet);
        var key = coherence.Key("doc");
        await writer.WriteAsync(key, "v1");

        Faults.FaultOnly = "Release";
        Faults.NextWrite = fault;
        var view = await writer.WriteAsync(key, "v2");

        Assert.Equal(2, view.Version);
        Assert.Equal(2, (await Inner.InspectAsync(key))!.Version);

        // The grant was released (by the retry with the same id): a peer can write on top.
        var seen = await peer.ReadAsync(key);
        Assert.Equal("v2", seen.Text);
        Assert.Equal(3, (await peer.WriteAsync(key, "v3")).Version);
    }

    [Theory]
    [InlineData("Acquire")]
    [InlineData("Commit")]
    [InlineData("CommitCas")]
    [InlineData("Delete")]
    [InlineData("CommitAll")]
    public async Task Every_write_whose_reply_is_lost_lands_exactly_once_and_is_reported_landed(string operation)
    {
        await using var coherence = Client();
        await using var agent = coherence.Agent("a", Quiet);
        var key = coherence.Key("doc");
        await agent.WriteCasAsync(key, "v1", 0);

        Faults.FaultOnly = operation;
        Faults.NextWrite = FaultyDirectoryStore.Fault.LoseReply;
        long version = operation switch
        {
            "Acquire" or "Commit" => (await agent.WriteAsync(key, "v2")).Version,
            "CommitCas" => (await agent.WriteCasAsync(key, "v2", 1)).Version,
            "Delete" => await agent.DeleteAsync(key, expectedVersion: 1),
            _ => (await agent.PublishAsync([new PublishItem(key, "v2", 1)]))[0].Version,
        };

        Assert.Equal(2, version);
        var record = (await Inner.InspectAsync(key))!;
        Assert.Equal(2, record.Version);
        Assert.Equal(operation == "Delete", record.IsTombstone);
    }

    [Fact]
    public async Task Resolving_a_write_that_may_have_landed_never_says_it_did_not_while_the_store_is_down()
    {
        await using var coherence = Client(options: NoDelays(storeAttempts: 2));
        await using var agent = coherence.Agent("a", Quiet);
        var key = coherence.Key("doc");
        await agent.WriteCasAsync(key, "v1", 0);

        Faults.Then(FaultyDirectoryStore.Fault.LoseReply, FaultyDirectoryStore.Fault.LoseReply);
        var unknown = await Assert.ThrowsAsync<OutcomeUnknownException>(() => agent.WriteCasAsync(key, "v2", 1).AsTask());

        // The store is unreachable (it applies nothing) while the caller resolves: still "may have landed".
        Faults.Then(FaultyDirectoryStore.Fault.Unavailable, FaultyDirectoryStore.Fault.Unavailable);
        var again = await Assert.ThrowsAsync<OutcomeUnknownException>(() => agent.ResolveAsync(unknown).AsTask());
        Assert.True(again.MayHaveLanded);
        Assert.Equal(unknown.OperationId, again.OperationId);

        Assert.True(await agent.ResolveAsync(unknown));
        Assert.Equal(2, (await Inner.InspectAsync(key))!.Version);
    }

    // Found by the fleet simulator (seed 4 of the all-faults exploration): after ResolveAsync said "landed", the
    // agent's cache still served the version the write replaced as current, and the store, which records the
    // writer's view at its own write, let a grant write derived from that old copy land over it.
    [Theory]
    [InlineData("CommitCas")]
    [InlineData("Commit")]
    public async Task After_resolving_a_landed_write_the_agent_reads_what_it_wrote(string operation)
    {
        await using var coherence = Client(options: NoDelays(storeAttempts: 2));
        await using var agent = coherence.Agent("a", Quiet);
        var key = coherence.Key("doc");
        await agent.WriteCasAsync(key, "v1", 0);
        Assert.Equal("v1", (await agent.ReadAsync(key)).Text);

        Faults.FaultOnly = operation;
        Faults.Then(FaultyDirectoryStore.Fault.LoseReply, FaultyDirectoryStore.Fault.LoseReply);
        var unknown = await Assert.ThrowsAsync<OutcomeUnknownException>(async () =>
        {
            if (operation == "Commit")
            {
                await agent.WriteAsync(key, "v2");
            }
            else
            {
                await agent.WriteCasAsync(key, "v2", 1);
            }
        });

        Assert.True(await agent.ResolveAsync(unknown));
        var read = await agent.ReadAsync(key);
        Assert.Equal(2, read.Version);
        Assert.Equal("v2", read.Text);
    }

    [Fact]
    public async Task A_write_whose_acquire_stays_unknown_reports_nothing_written_and_gives_the_grant_back()
    {
        await using var coherence = Client(options: NoDelays(storeAttempts: 2));
        await using var agent = coherence.Agent("a", Quiet);
        await using var peer = coherence.Agent("peer", Quiet);
        var key = coherence.Key("doc");

        Faults.FaultOnly = "Acquire";
        Faults.Then(FaultyDirectoryStore.Fault.LoseReply, FaultyDirectoryStore.Fault.LoseReply);
        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => agent.WriteAsync(key, "v1").AsTask());
        Assert.False(error.MayHaveLanded);
        Assert.Null((await Inner.InspectAsync(key))?.GrantHolder);

        Assert.Equal(1, (await peer.WriteAsync(key, "peer v1")).Version);
    }

    [Fact]
    public async Task A_raw_client_library_failure_after_a_cas_landed_never_reaches_the_caller_and_nothing_applies_twice()
    {
        await using var coherence = Client();
        await using var agent = coherence.Agent("a", Quiet);
        var key = coherence.Key("counter");
        await agent.UpdateAsync(key, _ => "1");

        Faults.NextWrite = FaultyDirectoryStore.Fault.RawAfterApply;
        var view = await agent.UpdateAsync(key, c => (int.Parse(c!.Text, System.Globalization.CultureInfo.InvariantCulture) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal("2", view.Text);
        Assert.Equal(2, (await Inner.InspectAsync(key))!.Version);
    }

    [Fact]
    public async Task A_cancellation_after_the_commit_landed_does_not_hide_it()
    {
        await using var coherence = Client();
        await using var agent = coherence.Agent("a", Quiet);
        var key = coherence.Key("doc");
        await agent.WriteAsync(key, "v1");
        using var cancel = new CancellationTokenSource();

        Faults.FaultOnly = "Commit";
        Faults.NextWrite = FaultyDirectoryStore.Fault.LoseReply;
        Faults.InTheGap = () =>
        {
            cancel.Cancel();
            return ValueTask.CompletedTask;
        };
        var view = await agent.WriteAsync(key, "v2", cancel.Token);

        Assert.Equal(2, view.Version);
        Assert.Equal(2, (await Inner.InspectAsync(key))!.Version);
    }

    [Fact]
    public async Task A_landed_write_whose_reply_was_lost_still_signals_its_peers()
    {
        var bus = new InMemoryEventBus();
        await using var writers = Client(bus);
        await using var readers = Client(bus);
        await using var writer = writers.Agent("writer", Quiet);
        await using var reader = readers.Agent("reader", Quiet);
        var key = writers.Key("doc");
        await writer.WriteCasAsync(key, "v1", 0);
        Assert.Equal("v1", (await reader.ReadAsync(key)).Text);

        Faults.NextWrite = FaultyDirectoryStore.Fault.LoseReply;
        await writer.WriteCasAsync(key, "v2", 1);

        Assert.Equal(1, reader.Stats.SignalsReceived);
        Assert.Equal("v2", (await reader.ReadAsync(key)).Text);
    }

    [Fact]
    public async Task An_invalidation_that_arrives_while_a_fetch_is_in_flight_is_not_lost()
    {
        var bus = new InMemoryEventBus();
        await using var writers = Client(bus);
        await using var readers = Client(bus);
        await using var writer = writers.Agent("writer", Quiet);
        await using var reader = readers.Agent("reader", Quiet);
        var key = writers.Key("doc");
        await writer.WriteCasAsync(key, "v1", 0);

        // The store registers the reader's read of v1; before the reply arrives the writer commits v2
        // and its signal reaches the reader.
        Faults.BeforeReadReply = async () => await writer.WriteCasAsync(key, "v2", 1);
        Assert.Equal("v1", (await reader.ReadAsync(key)).Text);
        Assert.Equal(1, reader.Stats.SignalsReceived);

        Assert.Equal("v2", (await reader.ReadAsync(key)).Text);
    }

    [Fact]
    public async Task A_second_reclaim_at_the_same_version_is_not_dropped_as_a_duplicate()
    {
        var bus = new InMemoryEventBus();
        await using var coherence = Client(bus);
        await using var agent = coherence.Agent("slow", Quiet);
        var key = coherence.Key("doc");
        var reclaims = 0;
        agent.SignalReceived += (_, signal) => reclaims += signal.Kind == SignalKind.Reclaim ? 1 : 0;
        await agent.WriteCasAsync(key, "v1", 0);

        for (var round = 1; round <= 2; round++)
        {
            await agent.ReacquireAsync(key);
            var grant = await agent.AcquireAsync(key);
            Time.Advance(TimeSpan.FromMinutes(3));
            Assert.Single((await coherence.SweepAsync()).Reclaimed);
            await grant.DisposeAsync();
        }

        Assert.Equal(2, reclaims);
        Assert.Equal(1, (await Inner.InspectAsync(key))!.Version);
    }

    [Fact]
    public async Task An_agent_forgotten_by_another_process_registers_again_and_carries_on()
    {
        await using var coherence = Client();
        await using var agent = coherence.Agent("a", Quiet);
        var key = coherence.Key("doc");
        await agent.WriteAsync(key, "v1");
        await agent.ReadAsync(key);

        // Another process with the same id leaves: the store drops the agent and its views.
        Assert.True(await Inner.ForgetAsync(agent.Id));

        await agent.HeartbeatAsync();
        var read = await agent.TryReadAsync(key);
        Assert.Equal("v1", read?.Text);
        Assert.Equal(2, (await agent.WriteAsync(key, "v2")).Version);
        Assert.Equal(3, (await agent.UpdateAsync(key, c => c!.Text + "!")).Version);
    }

    [Fact]
    public async Task A_stale_cached_view_is_not_served_after_the_agent_was_forgotten()
    {
        var bus = new InMemoryEventBus();
        await using var coherence = Client(bus);
        await using var agent = coherence.Agent("a", Quiet);
        await using var peer = coherence.Agent("peer", Quiet);
        var key = coherence.Key("doc");
        await peer.WriteCasAsync(key, "v1", 0);
        Assert.Equal("v1", (await agent.ReadAsync(key)).Text);

        // The store forgets the agent; a commit meanwhile signals nobody (the agent holds no view there).
        await Inner.ForgetAsync(agent.Id);
        await peer.WriteCasAsync(key, "v2", 1);
        Assert.Equal(0, agent.Stats.SignalsReceived);

        // The next store call tells the agent it was forgotten; from then on its cache is not trusted.
        await agent.HeartbeatAsync();
        Assert.Equal("v2", (await agent.ReadAsync(key)).Text);
    }

    [Fact]
    public async Task A_batch_naming_one_artifact_twice_is_refused_by_the_store_and_changes_nothing()
    {
        var a = new AgentId("a");
        await Inner.RegisterAgentAsync(a);
        var key = new ArtifactKey("team", "doc");
        BatchMember[] members =
        [
            new(key, ContentPayload.Create("one"u8, 1), 0),
            new(key, ContentPayload.Create("two"u8, 1), 0),
        ];

        await Assert.ThrowsAsync<CoherenceArgumentException>(() => Inner.CommitAllAsync(a, members).AsTask());
        Assert.Null(await Inner.InspectAsync(key));
    }
}

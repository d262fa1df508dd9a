using AgentCoherence.Protocol;
using AgentCoherence.Testing;
using Microsoft.Extensions.Time.Testing;

namespace AgentCoherence.Tests.Client;

/// <summary>
/// <see cref="CoherenceClient.InspectAsync"/>: what the store records about an artifact, for status displays and checks,
/// without registering a view or changing anything.
/// </summary>
public sealed class ArtifactStatusTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task An_artifact_the_store_never_saw_is_untracked_at_version_0()
    {
        await using var coherence = CoherenceClient.CreateInMemory();

        var status = await coherence.InspectAsync(coherence.Key("doc"));

        Assert.False(status.IsTracked);
        Assert.Equal(0, status.Version);
        Assert.False(status.Exists);
        Assert.False(status.IsDeleted);
        Assert.Null(status.ContentHash);
        Assert.Null(status.GrantHolder);
        Assert.Empty(status.Holders);
    }

    [Fact]
    public async Task An_artifact_acquired_but_never_committed_is_tracked_at_version_0_and_does_not_exist()
    {
        await using var coherence = CoherenceClient.CreateInMemory();
        await using var creator = coherence.Agent("creator");
        var key = coherence.Key("doc");
        await using var grant = await creator.AcquireAsync(key);

        var status = await coherence.InspectAsync(key);

        Assert.True(status.IsTracked);
        Assert.Equal(0, status.Version);
        Assert.False(status.Exists);
        Assert.False(status.IsDeleted);
        Assert.Null(status.ContentHash);
        Assert.Null(status.LastWriter);
        var holder = Assert.Single(status.Holders);
        Assert.Equal(new AgentId("creator"), holder.Agent);
        Assert.Equal(0, holder.ViewVersion);
    }

    [Fact]
    public async Task A_written_artifact_shows_its_version_hash_writer_and_every_view_in_agent_order()
    {
        await using var coherence = CoherenceClient.CreateInMemory(timeProvider: _time);
        await using var writer = coherence.Agent("writer");
        await using var early = coherence.Agent("a-early-reader");
        var key = coherence.Key("doc");
        await writer.WriteAsync(key, "v1");
        await early.ReadAsync(key);
        await writer.WriteAsync(key, "v2");

        var status = await coherence.InspectAsync(key);

        Assert.True(status.Exists);
        Assert.Equal(2, status.Version);
        Assert.Equal(ContentPayload.HashHex("v2"u8), status.ContentHash);
        Assert.Equal(new AgentId("writer"), status.LastWriter);
        Assert.Equal(_time.GetUtcNow(), status.CommittedAt);
        Assert.Null(status.Content);
        Assert.Equal(["a-early-reader", "writer"], status.Holders.Select(h => h.Agent.Value));
        Assert.Equal(HolderState.Invalid, status.HolderOf("a-early-reader")!.State);
        Assert.Equal(1, status.HolderOf("a-early-reader")!.ViewVersion);
        Assert.Equal(HolderState.Shared, status.HolderOf("writer")!.State);
        Assert.Equal(2, status.HolderOf("writer")!.ViewVersion);
        Assert.Null(status.HolderOf("nobody"));
    }

    [Fact]
    public async Task A_tombstone_is_deleted_with_its_own_version_and_no_hash()
    {
        await using var coherence = CoherenceClient.CreateInMemory();
        await using var agent = coherence.Agent("a");
        var key = coherence.Key("doc");
        await agent.WriteAsync(key, "v1");
        await agent.DeleteAsync(key);

        var status = await coherence.InspectAsync(key);

        Assert.True(status.IsTracked);
        Assert.True(status.IsDeleted);
        Assert.False(status.Exists);
        Assert.Equal(2, status.Version);
        Assert.Null(status.ContentHash);
        Assert.Equal(new AgentId("a"), status.LastWriter);
    }

    [Fact]
    public async Task A_held_grant_shows_its_holder_state_and_since_when()
    {
        await using var coherence = CoherenceClient.CreateInMemory(timeProvider: _time);
        await using var agent = coherence.Agent("a");
        var key = coherence.Key("doc");
        var grantedAt = _time.GetUtcNow();
        await using var grant = await agent.AcquireAsync(key);

        var acquired = await coherence.InspectAsync(key);
        await grant.CommitAsync("v1");
        var committed = await coherence.InspectAsync(key);

        Assert.Equal(new AgentId("a"), acquired.GrantHolder);
        Assert.Equal(HolderState.Exclusive, acquired.HolderOf("a")!.State);
        Assert.True(acquired.HolderOf("a")!.HoldsGrant);
        Assert.Equal(grantedAt, acquired.HolderOf("a")!.GrantedAt);
        Assert.Equal(HolderState.Modified, committed.HolderOf("a")!.State);
        Assert.Equal(new AgentId("a"), committed.GrantHolder);
    }

    [Fact]
    public async Task A_reclaimed_owner_shows_the_new_owner_epoch_and_its_reclaim()
    {
        var options = new CoherenceOptions();
        options.CrashRecovery.Enabled = false;
        await using var coherence = new CoherenceClient(new InMemoryDirectoryStore(_time), new InMemoryEventBus(), options, _time);
        await using var zombie = coherence.Agent("zombie", new AgentOptions { SendHeartbeats = false });
        var key = coherence.Key("doc");
        var grant = await zombie.AcquireAsync(key);
        _time.Advance(options.CrashRecovery.HeartbeatTimeout + TimeSpan.FromSeconds(1));
        await coherence.SweepAsync();

        var status = await coherence.InspectAsync(key);

        Assert.Equal(1, status.OwnerEpoch);
        Assert.Null(status.GrantHolder);
        var holder = status.HolderOf("zombie")!;
        Assert.Equal(HolderState.Invalid, holder.State);
        Assert.False(holder.HoldsGrant);
        Assert.Null(holder.GrantedAt);
        Assert.Equal(0, holder.ReadEpoch);
        Assert.Equal(ReclaimTrigger.Heartbeat, holder.LastReclaim?.Trigger);
        Assert.Equal(1, holder.LastReclaim?.Epoch);
        await grant.DisposeAsync();
    }

    [Fact]
    public async Task Inspecting_registers_no_view_and_changes_no_entry()
    {
        await using var coherence = CoherenceClient.CreateInMemory();
        await using var writer = coherence.Agent("writer");
        var key = coherence.Key("doc");
        await writer.WriteAsync(key, "v1");
        var before = await coherence.InspectAsync(key);

        var after = await coherence.InspectAsync(key);
        var untouched = await coherence.InspectAsync(coherence.Key("never-written"));

        Assert.Equal(before.Holders.Select(h => h.ToString()), after.Holders.Select(h => h.ToString()));
        Assert.Equal(["writer:S v1"], after.Holders.Select(h => h.ToString()));
        Assert.False(untouched.IsTracked);
    }

    [Fact]
    public async Task Inspecting_does_not_refresh_a_stale_view()
    {
        await using var coherence = CoherenceClient.CreateInMemory();
        await using var writer = coherence.Agent("writer");
        await using var stale = coherence.Agent("stale");
        var key = coherence.Key("doc");
        await writer.WriteAsync(key, "v1");
        await stale.ReadAsync(key);
        await writer.WriteAsync(key, "v2");

        var status = await coherence.InspectAsync(key);

        Assert.Equal(HolderState.Invalid, status.HolderOf("stale")!.State);
        await Assert.ThrowsAsync<StaleViewException>(() => stale.WriteAsync(key, "built on v1").AsTask());
        Assert.Equal(2, (await coherence.InspectAsync(key)).Version);
    }

    [Fact]
    public async Task A_store_that_fails_to_answer_surfaces_as_StoreUnavailable_not_as_its_own_exception()
    {
        var options = new CoherenceOptions();
        options.StoreRetry.MaxAttempts = 2;
        options.StoreRetry.BaseDelay = TimeSpan.Zero;
        await using var coherence = new CoherenceClient(new UnreachableInspections(new InMemoryDirectoryStore()), new InMemoryEventBus(), options);

        var failed = await Assert.ThrowsAsync<StoreUnavailableException>(() => coherence.InspectAsync(coherence.Key("doc")).AsTask());

        Assert.IsType<IOException>(failed.InnerException);
    }

    [Fact]
    public async Task Inspecting_atomically_hands_the_callback_the_committed_bytes_and_returns_its_result()
    {
        await using var coherence = CoherenceClient.CreateInMemory();
        await using var agent = coherence.Agent("a");
        var key = coherence.Key("doc");
        await agent.WriteAsync(key, "v1");

        var seen = await coherence.InspectAtomicallyAsync(key, status => (status.Version, Text: System.Text.Encoding.UTF8.GetString(status.Content!.Value.Span)));

        Assert.Equal((1L, "v1"), seen);
    }

    [Fact]
    public async Task What_an_atomic_inspection_throws_reaches_the_caller_unchanged()
    {
        await using var coherence = CoherenceClient.CreateInMemory();

        var thrown = await Assert.ThrowsAsync<IOException>(() => coherence.InspectAtomicallyAsync<bool>(coherence.Key("doc"), _ => throw new IOException("disk gone")).AsTask());

        Assert.Equal("disk gone", thrown.Message);
    }

    [Fact]
    public async Task Inspecting_atomically_needs_a_store_that_runs_code_inside_its_steps()
    {
        await using var coherence = new CoherenceClient(new StepOnlyStore(new InMemoryDirectoryStore()), new InMemoryEventBus());
        var ran = false;

        await Assert.ThrowsAsync<NotSupportedException>(() => coherence.InspectAtomicallyAsync(coherence.Key("doc"), _ => ran = true).AsTask());

        Assert.False(ran);
    }

    /// <summary>A store whose inspections fail as a client library's would.</summary>
    private sealed class UnreachableInspections(IDirectoryStore inner) : DelegatingDirectoryStore(inner)
    {
        public override ValueTask<DirectoryRecord?> InspectAsync(ArtifactKey key, CancellationToken cancellationToken = default) =>
            throw new IOException("connection reset");
    }
}

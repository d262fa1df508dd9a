using Microsoft.Extensions.Time.Testing;
using Xunit;
using static AgentCoherence.Testing.StoreTestExtensions;
using AgentCoherence.Protocol;

namespace AgentCoherence.Testing;

/// <summary>
/// The behaviour every directory store must show, operation by operation and refusal by refusal.
/// Each store's test project inherits this class and supplies <see cref="CreateStore"/>.
/// </summary>
public abstract partial class DirectoryStoreConformanceTests : IAsyncLifetime
{
    protected static readonly AgentId A = new("alice");
    protected static readonly AgentId B = new("bob");
    protected static readonly AgentId C = new("carol");
    protected static readonly ArtifactKey Plan = new("team", "plans/plan.md");
    protected static readonly ArtifactKey Notes = new("team", "notes.md");

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));

    protected IDirectoryStore Store { get; private set; } = null!;

    /// <summary>Creates an empty store of the kind under test, using <paramref name="time"/> as its clock.</summary>
    protected abstract Task<IDirectoryStore> CreateStore(FakeTimeProvider time);

    public virtual async Task InitializeAsync()
    {
        Store = await CreateStore(Time);
        foreach (var agent in new[] { A, B, C })
        {
            await Store.RegisterAgentAsync(agent);
        }
    }

    public virtual Task DisposeAsync() => Store is IAsyncDisposable d ? d.DisposeAsync().AsTask() : Task.CompletedTask;

    protected async Task<long> Create(ArtifactKey key, string text, AgentId? by = null) =>
        (await Store.CommitCasAsync(by ?? A, key, Text(text), 0)).Ok();

    [Fact]
    public async Task Read_of_a_missing_artifact_is_not_found_with_version_zero()
    {
        var result = await Store.ReadAsync(A, Plan);
        Assert.Equal(RefusalReason.NotFound, result.Refusal?.Reason);
        Assert.Equal(0, result.Refusal!.CurrentVersion);
        Assert.False(result.Refusal.IsTombstone);
    }

    [Fact]
    public async Task Read_returns_content_and_registers_a_shared_view_at_the_current_epoch()
    {
        await Create(Plan, "v1");
        var result = await Store.ReadAsync(B, Plan);
        Assert.Null(result.Refusal);
        Assert.Equal(1, result.Version);
        Assert.Equal("v1", result.TextOf());
        Assert.Equal(ContentPayload.HashHex("v1"u8), result.ContentHash);
        var entry = (await Store.InspectAsync(Plan))!.Holders[B];
        Assert.Equal(HolderState.Shared, entry.State);
        Assert.Equal(1, entry.ViewVersion);
        Assert.Equal(0, entry.ReadEpoch);
    }

    [Fact]
    public async Task Read_with_the_current_version_known_moves_no_content()
    {
        await Create(Plan, "v1");
        var result = await Store.ReadAsync(B, Plan, knownVersion: 1);
        Assert.False(result.ContentIncluded);
        Assert.Null(result.Content);
        Assert.Equal(1, result.Version);
        Assert.Equal(HolderState.Shared, (await Store.InspectAsync(Plan))!.Holders[B].State);
    }

    [Fact]
    public async Task Read_by_the_grant_holder_keeps_its_grant()
    {
        await Create(Plan, "v1");
        await Store.ReadAsync(A, Plan);
        (await Store.AcquireAsync(A, Plan)).Ok();
        await Store.ReadAsync(A, Plan);
        Assert.Equal(HolderState.Exclusive, (await Store.InspectAsync(Plan))!.Holders[A].State);
    }

    [Fact]
    public async Task Read_does_not_disturb_a_peer_holding_the_grant()
    {
        await Create(Plan, "v1");
        await Store.ReadAsync(A, Plan);
        (await Store.AcquireAsync(A, Plan)).Ok();
        var read = await Store.ReadAsync(B, Plan);
        Assert.Null(read.Refusal);
        var record = (await Store.InspectAsync(Plan))!;
        Assert.Equal(HolderState.Exclusive, record.Holders[A].State);
        Assert.Equal(HolderState.Shared, record.Holders[B].State);
    }

    [Fact]
    public async Task Acquire_of_a_new_artifact_needs_no_prior_read()
    {
        var result = await Store.AcquireAsync(A, Plan);
        Assert.Equal(0, result.Ok());
        var entry = (await Store.InspectAsync(Plan))!.Holders[A];
        Assert.Equal(HolderState.Exclusive, entry.State);
        Assert.Equal(Time.GetUtcNow(), entry.GrantedAt);
        Assert.Equal(0, entry.ReadEpoch);
    }

    [Fact]
    public async Task Acquire_while_a_peer_holds_the_grant_is_HeldByOther_naming_the_holder_and_since_when()
    {
        await Create(Plan, "v1");
        await Store.ReadAsync(A, Plan);
        await Store.ReadAsync(B, Plan);
        (await Store.AcquireAsync(A, Plan)).Ok();
        var grantedAt = Time.GetUtcNow();
        Time.Advance(TimeSpan.FromSeconds(3));
        var refusal = (await Store.AcquireAsync(B, Plan)).Refused(RefusalReason.HeldByOther);
        Assert.Equal(A, refusal.Holder);
        Assert.Equal(grantedAt, refusal.HolderSince);
        Assert.True(refusal.IsRetryable);
    }

    [Fact]
    public async Task Acquire_without_a_current_view_of_an_existing_artifact_is_StaleView()
    {
        await Create(Plan, "v1");
        var refusal = (await Store.AcquireAsync(B, Plan)).Refused(RefusalReason.StaleView);
        Assert.Equal(0, refusal.CallerVersion);
        Assert.Equal(1, refusal.CurrentVersion);
    }

    [Fact]
    public async Task Acquire_after_a_peer_committed_past_the_callers_view_is_StaleView_with_both_versions()
    {
        await Create(Plan, "v1");
        await Store.ReadAsync(B, Plan);
        await Store.ReadAsync(A, Plan);
        (await Store.CommitCasAsync(A, Plan, Text("v2"), 1)).Ok();
        var refusal = (await Store.AcquireAsync(B, Plan)).Refused(RefusalReason.StaleView);
        Assert.Equal(1, refusal.CallerVersion);
        Assert.Equal(2, refusal.CurrentVersion);
    }

    [Fact]
    public async Task Commit_under_the_grant_bumps_the_version_makes_the_committer_M_and_invalidates_readers()
    {
        await Create(Plan, "v1");
        await Store.ReadAsync(A, Plan);
        await Store.ReadAsync(B, Plan);
        (await Store.AcquireAsync(A, Plan)).Ok();
        var result = await Store.CommitAsync(A, Plan, Text("v2"));
        Assert.Equal(2, result.Ok());
        var signal = Assert.Single(result.Signals);
        Assert.Equal(new InvalidationSignal(Plan, 2, A, SignalKind.Commit, B), signal);
        var record = (await Store.InspectAsync(Plan))!;
        Assert.Equal(HolderState.Modified, record.Holders[A].State);
        Assert.Equal(2, record.Holders[A].ViewVersion);
        Assert.Equal(HolderState.Invalid, record.Holders[B].State);
        Assert.Equal(A, record.LastWriter);
        Assert.Equal(ContentPayload.HashHex("v2"u8), record.ContentHash);
    }

    [Fact]
    public async Task Commit_without_a_grant_is_NotOwner()
    {
        await Create(Plan, "v1");
        await Store.ReadAsync(B, Plan);
        var refusal = (await Store.CommitAsync(B, Plan, Text("x"))).Refused(RefusalReason.NotOwner);
        Assert.Null(refusal.Reclaim);
        Assert.Equal(1, (await Store.InspectAsync(Plan))!.Version);
    }

    [Fact]
    public async Task Several_commits_under_one_grant_each_advance_the_version()
    {
        (await Store.AcquireAsync(A, Plan)).Ok();
        Assert.Equal(1, (await Store.CommitAsync(A, Plan, Text("a"))).Ok());
        Assert.Equal(2, (await Store.CommitAsync(A, Plan, Text("b"))).Ok());
        Assert.Equal(HolderState.Modified, (await Store.InspectAsync(Plan))!.Holders[A].State);
    }

    [Fact]
    public async Task CommitCas_with_the_current_version_wins_and_the_winner_is_S()
    {
        await Create(Plan, "v1");
        await Store.ReadAsync(B, Plan);
        var result = await Store.CommitCasAsync(B, Plan, Text("v2"), 1);
        Assert.Equal(2, result.Ok());
        var signal = Assert.Single(result.Signals);
        Assert.Equal(A, signal.Recipient);
        var record = (await Store.InspectAsync(Plan))!;
        Assert.Equal(HolderState.Shared, record.Holders[B].State);
        Assert.Equal(2, record.Holders[B].ViewVersion);
        Assert.Equal(HolderState.Invalid, record.Holders[A].State);
    }

    [Fact]
    public async Task CommitCas_with_an_older_version_is_VersionConflict_carrying_the_current_version()
    {
        await Create(Plan, "v1");
        (await Store.CommitCasAsync(A, Plan, Text("v2"), 1)).Ok();
        var refusal = (await Store.CommitCasAsync(B, Plan, Text("x"), 1)).Refused(RefusalReason.VersionConflict);
        Assert.Equal(2, refusal.CurrentVersion);
        Assert.Equal(1, refusal.CallerVersion);
        Assert.True(refusal.IsRetryable);
    }

    [Fact]
    public async Task CommitCas_with_a_version_ahead_is_an_invalid_argument_and_not_retryable()
    {
        await Create(Plan, "v1");
        var refusal = (await Store.CommitCasAsync(B, Plan, Text("x"), 5)).Refused(RefusalReason.ExpectedVersionAhead);
        Assert.False(refusal.IsRetryable);
        Assert.IsType<ExpectedVersionAheadException>(refusal.ToException());
    }

    [Fact]
    public async Task CommitCas_while_a_peer_holds_the_grant_is_HeldByOther()
    {
        await Create(Plan, "v1");
        await Store.ReadAsync(A, Plan);
        (await Store.AcquireAsync(A, Plan)).Ok();
        var refusal = (await Store.CommitCasAsync(B, Plan, Text("x"), 1)).Refused(RefusalReason.HeldByOther);
        Assert.Equal(A, refusal.Holder);
    }

    [Fact]
    public async Task CommitCas_checks_the_version_before_the_holder()
    {
        await Create(Plan, "v1");
        (await Store.CommitCasAsync(A, Plan, Text("v2"), 1)).Ok();
        await Store.ReadAsync(A, Plan);
        (await Store.AcquireAsync(A, Plan)).Ok();
        (await Store.CommitCasAsync(B, Plan, Text("x"), 1)).Refused(RefusalReason.VersionConflict);
    }

    [Fact]
    public async Task CommitCas_by_the_grant_holder_keeps_the_grant_as_M()
    {
        await Create(Plan, "v1");
        await Store.ReadAsync(A, Plan);
        (await Store.AcquireAsync(A, Plan)).Ok();
        Assert.Equal(2, (await Store.CommitCasAsync(A, Plan, Text("v2"), 1)).Ok());
        Assert.Equal(HolderState.Modified, (await Store.InspectAsync(Plan))!.Holders[A].State);
    }

    [Fact]
    public async Task CommitCas_with_zero_creates_an_artifact_that_never_existed_and_again_conflicts()
    {
        Assert.Equal(1, (await Store.CommitCasAsync(A, Plan, Text("v1"), 0)).Ok());
        (await Store.CommitCasAsync(B, Plan, Text("again"), 0)).Refused(RefusalReason.VersionConflict);
    }

    [Fact]
    public async Task CommitAll_lands_every_member_together()
    {
        await Create(Plan, "p1");
        await Store.ReadAsync(B, Plan);
        var result = await Store.CommitAllAsync(A, [new BatchMember(Plan, Text("p2"), 1), new BatchMember(Notes, Text("n1"), 0)]);
        Assert.True(result.Committed);
        Assert.Equal([2L, 1L], result.Versions);
        Assert.Equal(B, Assert.Single(result.Signals).Recipient);
        Assert.Equal(2, (await Store.InspectAsync(Plan))!.Version);
        Assert.Equal(1, (await Store.InspectAsync(Notes))!.Version);
    }

    [Fact]
    public async Task CommitAll_with_one_conflicting_member_lands_nothing_and_reports_per_member()
    {
        await Create(Plan, "p1");
        (await Store.CommitCasAsync(A, Plan, Text("p2"), 1)).Ok();
        var result = await Store.CommitAllAsync(B, [new BatchMember(Notes, Text("n1"), 0), new BatchMember(Plan, Text("stale"), 1)]);
        Assert.False(result.Committed);
        Assert.Null(result.Refusals[0]);
        Assert.Equal(RefusalReason.VersionConflict, result.Refusals[1]!.Reason);
        Assert.Empty(result.Signals);
        Assert.Null(await Store.InspectAsync(Notes) is { Version: > 0 } ? "landed" : null);
        Assert.Equal(2, (await Store.InspectAsync(Plan))!.Version);
    }

    [Fact]
    public async Task Release_turns_the_grant_into_a_shared_view()
    {
        (await Store.AcquireAsync(A, Plan)).Ok();
        (await Store.CommitAsync(A, Plan, Text("v1"))).Ok();
        Assert.True(await Store.ReleaseAsync(A, Plan));
        var entry = (await Store.InspectAsync(Plan))!.Holders[A];
        Assert.Equal(HolderState.Shared, entry.State);
        Assert.Equal(1, entry.ViewVersion);
        Assert.False(await Store.ReleaseAsync(A, Plan));
        (await Store.AcquireAsync(B, Plan)).Refused(RefusalReason.StaleView);
    }

    [Fact]
    public async Task Forget_releases_the_grant_drops_the_entries_and_unregisters_the_agent()
    {
        (await Store.AcquireAsync(A, Plan)).Ok();
        Assert.True(await Store.ForgetAsync(A));
        Assert.False((await Store.InspectAsync(Plan))!.Holders.ContainsKey(A));
        Assert.Equal(RefusalReason.UnknownAgent, (await Store.HeartbeatAsync(A))?.Reason);
        (await Store.AcquireAsync(B, Plan)).Ok();
    }

    [Fact]
    public async Task Delete_under_the_grant_commits_a_tombstone_version_and_signals_holders()
    {
        await Create(Plan, "v1");
        await Store.ReadAsync(A, Plan);
        await Store.ReadAsync(B, Plan);
        (await Store.AcquireAsync(A, Plan)).Ok();
        var result = await Store.DeleteAsync(A, Plan, null);
        Assert.Equal(2, result.Ok());
        Assert.Equal(SignalKind.Delete, Assert.Single(result.Signals).Kind);
        var read = await Store.ReadAsync(B, Plan);
        Assert.Equal(RefusalReason.NotFound, read.Refusal?.Reason);
        Assert.True(read.Refusal!.IsTombstone);
        Assert.Equal(2, read.Refusal.CurrentVersion);
    }

    [Fact]
    public async Task Delete_then_recreate_continues_the_version_and_a_stale_cas_on_the_old_incarnation_is_refused()
    {
        await Create(Plan, "v1");
        (await Store.DeleteAsync(A, Plan, 1)).Ok();
        Assert.Equal(3, (await Store.CommitCasAsync(B, Plan, Text("reborn"), 2)).Ok());
        (await Store.CommitCasAsync(C, Plan, Text("stale"), 1)).Refused(RefusalReason.VersionConflict);
        (await Store.CommitCasAsync(C, Plan, Text("stale"), 0)).Refused(RefusalReason.VersionConflict);
        Assert.Equal("reborn", (await Store.ReadAsync(C, Plan)).TextOf());
    }

    [Fact]
    public async Task Delete_of_a_tombstone_is_not_found()
    {
        await Create(Plan, "v1");
        (await Store.DeleteAsync(A, Plan, 1)).Ok();
        (await Store.DeleteAsync(A, Plan, 2)).Refused(RefusalReason.NotFound);
    }

    [Fact]
    public async Task Heartbeat_is_monotonic_and_unknown_agents_are_refused()
    {
        Assert.Null(await Store.HeartbeatAsync(A));
        Assert.Equal(RefusalReason.UnknownAgent, (await Store.HeartbeatAsync(new AgentId("ghost")))?.Reason);
    }

    [Fact]
    public async Task Every_operation_by_an_unknown_agent_is_refused_before_any_state_changes()
    {
        var ghost = new AgentId("ghost");
        await Create(Plan, "v1");
        Assert.Equal(RefusalReason.UnknownAgent, (await Store.ReadAsync(ghost, Plan)).Refusal?.Reason);
        (await Store.AcquireAsync(ghost, Plan)).Refused(RefusalReason.UnknownAgent);
        (await Store.CommitAsync(ghost, Plan, Text("x"))).Refused(RefusalReason.UnknownAgent);
        (await Store.CommitCasAsync(ghost, Plan, Text("x"), 1)).Refused(RefusalReason.UnknownAgent);
        Assert.False((await Store.CommitAllAsync(ghost, [new BatchMember(Plan, Text("x"), 1)])).Committed);
        var record = (await Store.InspectAsync(Plan))!;
        Assert.Equal(1, record.Version);
        Assert.False(record.Holders.ContainsKey(ghost));
    }

    [Fact]
    public async Task Sweep_reclaims_a_silent_holder_by_heartbeat_and_moves_the_epoch()
    {
        (await Store.AcquireAsync(A, Plan)).Ok();
        Time.Advance(TimeSpan.FromMinutes(3));
        await Store.HeartbeatAsync(B);
        var result = await Store.SweepAsync(SweepPolicy.Default);
        var reclaimed = Assert.Single(result.Reclaimed);
        Assert.Equal(A, reclaimed.Agent);
        Assert.Equal(ReclaimTrigger.Heartbeat, reclaimed.Info.Trigger);
        Assert.Equal(SignalKind.Reclaim, Assert.Single(result.Signals).Kind);
        var record = (await Store.InspectAsync(Plan))!;
        Assert.Equal(1, record.OwnerEpoch);
        Assert.Equal(HolderState.Invalid, record.Holders[A].State);
        Assert.Equal(ReclaimTrigger.Heartbeat, record.Holders[A].LastReclaim?.Trigger);
    }

    [Fact]
    public async Task Sweep_reclaims_a_grant_held_past_max_hold_even_with_heartbeats()
    {
        (await Store.AcquireAsync(A, Plan)).Ok();
        for (var i = 0; i < 16; i++)
        {
            Time.Advance(TimeSpan.FromMinutes(1));
            await Store.HeartbeatAsync(A);
        }

        var reclaimed = Assert.Single((await Store.SweepAsync(SweepPolicy.Default)).Reclaimed);
        Assert.Equal(ReclaimTrigger.MaxHold, reclaimed.Info.Trigger);
    }

    [Fact]
    public async Task Sweep_is_idempotent()
    {
        (await Store.AcquireAsync(A, Plan)).Ok();
        Time.Advance(TimeSpan.FromMinutes(3));
        Assert.Single((await Store.SweepAsync(SweepPolicy.Default)).Reclaimed);
        Assert.Empty((await Store.SweepAsync(SweepPolicy.Default)).Reclaimed);
        Assert.Equal(1, (await Store.InspectAsync(Plan))!.OwnerEpoch);
    }

    [Fact]
    public async Task Concurrent_sweeps_reclaim_a_grant_once_and_signal_it_once()
    {
        // Every client of a shared store sweeps on its own timer; their sweeps may overlap.
        (await Store.AcquireAsync(A, Plan)).Ok();
        (await Store.AcquireAsync(B, Notes)).Ok();
        Time.Advance(TimeSpan.FromMinutes(3));

        var sweeps = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => Store.SweepAsync(SweepPolicy.Default).AsTask())));

        Assert.Equal(2, sweeps.Sum(s => s.Reclaimed.Count));
        Assert.Equal(2, sweeps.Sum(s => s.Signals.Count));
        Assert.Equal(1, (await Store.InspectAsync(Plan))!.OwnerEpoch);
        Assert.Equal(1, (await Store.InspectAsync(Notes))!.OwnerEpoch);
    }

    [Fact]
    public async Task Sweep_leaves_live_holders_alone()
    {
        (await Store.AcquireAsync(A, Plan)).Ok();
        Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Empty((await Store.SweepAsync(SweepPolicy.Default)).Reclaimed);
        Assert.Equal(HolderState.Exclusive, (await Store.InspectAsync(Plan))!.Holders[A].State);
    }

    [Fact]
    public async Task A_reclaimed_zombie_is_refused_with_StaleEpoch_on_commit_naming_the_reclaim()
    {
        await Create(Plan, "v1", B);
        await Store.ReadAsync(A, Plan);
        (await Store.AcquireAsync(A, Plan)).Ok();
        Time.Advance(TimeSpan.FromMinutes(3));
        await Store.HeartbeatAsync(B);
        await Store.SweepAsync(SweepPolicy.Default);
        var refusal = (await Store.CommitAsync(A, Plan, Text("zombie"))).Refused(RefusalReason.StaleEpoch);
        Assert.Equal(0, refusal.ReadEpoch);
        Assert.Equal(1, refusal.OwnerEpoch);
        Assert.Equal(ReclaimTrigger.Heartbeat, refusal.Reclaim?.Trigger);
    }

    [Fact]
    public async Task A_reclaimed_zombie_with_an_unmoved_version_is_refused_on_cas_too()
    {
        await Create(Plan, "v1", B);
        await Store.ReadAsync(A, Plan);
        (await Store.AcquireAsync(A, Plan)).Ok();
        Time.Advance(TimeSpan.FromMinutes(3));
        await Store.HeartbeatAsync(B);
        await Store.SweepAsync(SweepPolicy.Default);
        (await Store.CommitCasAsync(A, Plan, Text("zombie"), 1)).Refused(RefusalReason.StaleEpoch);
    }

    [Fact]
    public async Task The_fence_is_sticky_until_the_zombie_itself_re_reads()
    {
        await Create(Plan, "v1", B);
        await Store.ReadAsync(A, Plan);
        (await Store.AcquireAsync(A, Plan)).Ok();
        Time.Advance(TimeSpan.FromMinutes(3));
        await Store.HeartbeatAsync(B);
        await Store.HeartbeatAsync(C);
        await Store.SweepAsync(SweepPolicy.Default);
        await Store.HeartbeatAsync(A);

        await Store.ReadAsync(B, Plan);
        await Store.ReadAsync(C, Plan);
        (await Store.CommitCasAsync(A, Plan, Text("zombie"), 1)).Refused(RefusalReason.StaleEpoch);
        (await Store.CommitAsync(A, Plan, Text("zombie"))).Refused(RefusalReason.StaleEpoch);

        (await Store.CommitCasAsync(B, Plan, Text("v2"), 1)).Ok();
        (await Store.CommitAsync(A, Plan, Text("zombie"))).Refused(RefusalReason.StaleEpoch);
        (await Store.CommitCasAsync(A, Plan, Text("zombie"), 2)).Refused(RefusalReason.StaleEpoch);

        await Store.ReadAsync(A, Plan);
        Assert.Equal(3, (await Store.CommitCasAsync(A, Plan, Text("after re-read"), 2)).Ok());
    }

    [Fact]
    public async Task Sweep_prunes_long_silent_readers_but_keeps_a_zombies_fence()
    {
        await Create(Plan, "v1", C);
        await Create(Notes, "n1", C);
        await Store.ReadAsync(B, Notes);
        await Store.ReadAsync(B, Plan);
        await Store.ReadAsync(A, Plan);
        (await Store.AcquireAsync(A, Plan)).Ok();
        Time.Advance(TimeSpan.FromHours(25));
        await Store.HeartbeatAsync(C);
        var result = await Store.SweepAsync(SweepPolicy.Default);
        Assert.Equal(1, result.PrunedEntries);
        Assert.Equal(0, (await Store.SweepAsync(SweepPolicy.Default)).PrunedEntries);
        // B's reader entry on Notes goes; on Plan, A's reclaim moved the epoch past B's read, so B's
        // entry now fences B too and stays, like A's.
        Assert.False((await Store.InspectAsync(Notes))!.Holders.ContainsKey(B));
        var record = (await Store.InspectAsync(Plan))!;
        Assert.True(record.Holders.ContainsKey(A));
        Assert.True(record.Holders.ContainsKey(B));
    }
}

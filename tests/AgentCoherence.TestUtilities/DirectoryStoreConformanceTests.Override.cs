using Xunit;
using static AgentCoherence.Testing.StoreTestExtensions;
using AgentCoherence.Protocol;

namespace AgentCoherence.Testing;

/// <summary>
/// The uncoordinated write of observe mode (<see cref="IDirectoryStore.OverrideAsync"/>, <see cref="CoherenceRules.Override"/>):
/// it lands whatever the versions, holders and epochs say, every peer with a view (a grant holder included) is
/// invalidated and signalled, and it is exactly-once by operation id like every write.
/// </summary>
public abstract partial class DirectoryStoreConformanceTests
{
    [Fact]
    public async Task Override_lands_over_a_stale_view_and_invalidates_and_signals_every_peer_in_agent_order()
    {
        await Create(Plan, "v1");
        await Store.ReadAsync(A, Plan);
        await Store.ReadAsync(C, Plan);
        (await Store.CommitCasAsync(B, Plan, Text("v2"), 1)).Ok();
        await Store.ReadAsync(C, Plan);

        // A's view is v1: a CommitCas from it is a conflict; the override lands all the same.
        (await Store.CommitCasAsync(A, Plan, Text("from v1"), 1)).Refused(RefusalReason.VersionConflict);
        var result = await Store.OverrideAsync(A, Plan, Text("from v1"));
        Assert.Equal(3, result.Ok());
        Assert.Equal([new InvalidationSignal(Plan, 3, A, SignalKind.Commit, B, 0), new InvalidationSignal(Plan, 3, A, SignalKind.Commit, C, 0)], result.Signals);

        var record = (await Store.InspectAsync(Plan))!;
        Assert.Equal(3, record.Version);
        Assert.Equal(ContentPayload.HashHex("from v1"u8), record.ContentHash);
        Assert.Equal(A, record.LastWriter);
        Assert.Equal(HolderState.Shared, record.Holders[A].State);
        Assert.Equal(3, record.Holders[A].ViewVersion);
        Assert.Equal(HolderState.Invalid, record.Holders[B].State);
        Assert.Equal(HolderState.Invalid, record.Holders[C].State);
        Assert.Null(InvariantChecker.CheckRecord(record));
    }

    [Fact]
    public async Task Override_takes_the_grant_away_from_a_peer_that_holds_it()
    {
        await Create(Plan, "v1");
        await Store.ReadAsync(B, Plan);
        (await Store.AcquireAsync(B, Plan)).Ok();
        (await Store.CommitCasAsync(A, Plan, Text("blind"), 1)).Refused(RefusalReason.HeldByOther);

        var result = await Store.OverrideAsync(A, Plan, Text("blind"));
        Assert.Equal(2, result.Ok());
        Assert.Equal(new InvalidationSignal(Plan, 2, A, SignalKind.Commit, B, 0), Assert.Single(result.Signals));
        var record = (await Store.InspectAsync(Plan))!;
        Assert.Equal(HolderState.Invalid, record.Holders[B].State);
        Assert.Null(record.Holders[B].GrantedAt);
        Assert.Equal(HolderState.Shared, record.Holders[A].State);

        // B's grant is gone: its commit is refused as any commit without a grant.
        (await Store.CommitAsync(B, Plan, Text("late"))).Refused(RefusalReason.NotOwner);
        Assert.Null(InvariantChecker.CheckRecord(record));
    }

    [Fact]
    public async Task Override_by_the_grant_holder_keeps_the_grant_as_M()
    {
        await Create(Plan, "v1");
        await Store.ReadAsync(A, Plan);
        (await Store.AcquireAsync(A, Plan)).Ok();
        Assert.Equal(2, (await Store.OverrideAsync(A, Plan, Text("v2"))).Ok());
        var entry = (await Store.InspectAsync(Plan))!.Holders[A];
        Assert.Equal(HolderState.Modified, entry.State);
        Assert.Equal(2, entry.ViewVersion);
        Assert.Equal(3, (await Store.CommitAsync(A, Plan, Text("v3"))).Ok());
    }

    [Fact]
    public async Task Override_by_a_reclaimed_zombie_lands_and_moves_its_read_epoch_to_the_owner_epoch()
    {
        await Create(Plan, "v1");
        await Store.ReadAsync(A, Plan);
        (await Store.AcquireAsync(A, Plan)).Ok();
        Time.Advance(TimeSpan.FromMinutes(3));
        await Store.HeartbeatAsync(B);
        Assert.Single((await Store.SweepAsync(SweepPolicy.Default)).Reclaimed);
        (await Store.CommitAsync(A, Plan, Text("zombie"))).Refused(RefusalReason.StaleEpoch);

        var result = await Store.OverrideAsync(A, Plan, Text("zombie"));
        Assert.Equal(2, result.Ok());
        var record = (await Store.InspectAsync(Plan))!;
        Assert.Equal(1, record.OwnerEpoch);
        Assert.Equal(1, record.Holders[A].ReadEpoch);
        Assert.Equal(HolderState.Shared, record.Holders[A].State);
        Assert.Null(InvariantChecker.CheckRecord(record));
    }

    [Fact]
    public async Task Override_creates_an_artifact_that_never_existed_and_re_creates_a_deleted_one()
    {
        Assert.Equal(1, (await Store.OverrideAsync(A, Plan, Text("new"))).Ok());
        Assert.Equal(2, (await Store.DeleteAsync(A, Plan, 1)).Ok());
        Assert.Equal(3, (await Store.OverrideAsync(B, Plan, Text("again"))).Ok());
        var record = (await Store.InspectAsync(Plan))!;
        Assert.False(record.IsTombstone);
        Assert.Equal(B, record.LastWriter);
    }

    [Fact]
    public async Task Override_with_no_content_deletes_and_signals_delete()
    {
        await Create(Plan, "v1");
        await Store.ReadAsync(B, Plan);
        var result = await Store.OverrideAsync(C, Plan, null);
        Assert.Equal(2, result.Ok());
        Assert.Equal([new InvalidationSignal(Plan, 2, C, SignalKind.Delete, A, 0), new InvalidationSignal(Plan, 2, C, SignalKind.Delete, B, 0)], result.Signals);
        var record = (await Store.InspectAsync(Plan))!;
        Assert.True(record.IsTombstone);
        Assert.Null(record.Content);
    }

    [Fact]
    public async Task Override_delete_of_a_missing_or_deleted_artifact_is_not_found()
    {
        var missing = (await Store.OverrideAsync(A, Plan, null)).Refused(RefusalReason.NotFound);
        Assert.Equal(0, missing.CurrentVersion);
        await Create(Plan, "v1");
        (await Store.DeleteAsync(A, Plan, 1)).Ok();
        var deleted = (await Store.OverrideAsync(A, Plan, null)).Refused(RefusalReason.NotFound);
        Assert.Equal(2, deleted.CurrentVersion);
        Assert.True(deleted.IsTombstone);
        Assert.Equal(2, (await Store.InspectAsync(Plan))!.Version);
    }

    [Fact]
    public async Task Override_by_an_unknown_agent_is_refused_and_changes_nothing()
    {
        await Create(Plan, "v1");
        var before = await Snapshot(Plan);
        (await Store.OverrideAsync(new AgentId("ghost"), Plan, Text("x"))).Refused(RefusalReason.UnknownAgent);
        Assert.Equal(before, await Snapshot(Plan));
    }

    [Fact]
    public async Task A_retried_Override_returns_the_recorded_version_and_signals_and_applies_once()
    {
        await Create(Plan, "v1");
        await Store.ReadAsync(B, Plan);
        var op = Op("override-1");
        var first = await Store.OverrideAsync(A, Plan, Text("v2"), op);
        Assert.Equal(2, first.Ok());
        await Store.ReadAsync(B, Plan);
        var before = await Snapshot(Plan);

        var retry = await Store.OverrideAsync(A, Plan, Text("something else"), op);
        Assert.Equal(2, retry.Ok());
        Assert.Equal(first.Signals, retry.Signals);
        Assert.Equal(before, await Snapshot(Plan));
    }
}

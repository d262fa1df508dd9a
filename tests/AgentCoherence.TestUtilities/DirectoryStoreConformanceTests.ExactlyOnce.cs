using Xunit;
using static AgentCoherence.Testing.StoreTestExtensions;
using AgentCoherence.Protocol;

namespace AgentCoherence.Testing;

/// <summary>
/// Exactly-once writes (PROTOCOL.md, "Faults"): a write retried with the operation id of a write the
/// agent had applied returns the recorded result (version, and the signals with recipients, kinds,
/// versions and owner epochs) and changes nothing; a refused write is not recorded, so its retry is
/// checked afresh; the store keeps the last <see cref="OperationLog.KeptPerAgent"/> ids per agent and
/// forgets an agent's ids with the agent. Also the owner epoch carried by signals and reads, and the
/// batch rules of <see cref="CoherenceRules.CheckBatch"/>.
/// </summary>
public abstract partial class DirectoryStoreConformanceTests
{
    private static OperationId Op(string value) => new(value);

    private async Task<string> Snapshot(params ArtifactKey[] keys)
    {
        var parts = new List<string>();
        foreach (var key in keys)
        {
            parts.Add(StoreDifferentialTests.Describe(await Store.InspectAsync(key)));
        }

        return string.Join(" || ", parts);
    }

    [Fact]
    public async Task A_retried_Acquire_returns_the_recorded_result_and_takes_no_grant_again()
    {
        var op = Op("acquire-1");
        Assert.Equal(0, (await Store.AcquireAsync(A, Plan, op)).Ok());
        (await Store.CommitAsync(A, Plan, Text("v1"))).Ok();
        Assert.True(await Store.ReleaseAsync(A, Plan));
        await Store.ReadAsync(B, Plan);
        (await Store.AcquireAsync(B, Plan)).Ok();
        var before = await Snapshot(Plan);

        // B holds the grant now: a fresh Acquire by A is HeldByOther, the retry is the recorded success.
        var retry = await Store.AcquireAsync(A, Plan, op);
        Assert.Null(retry.Refusal);
        Assert.Equal(0, retry.Version);
        Assert.Empty(retry.Signals);
        Assert.Equal(before, await Snapshot(Plan));
        (await Store.AcquireAsync(A, Plan, Op("acquire-2"))).Refused(RefusalReason.HeldByOther);
    }

    [Fact]
    public async Task An_Acquire_by_the_grant_holder_is_a_success_and_is_recorded_too()
    {
        (await Store.AcquireAsync(A, Plan)).Ok();
        var op = Op("again");
        Assert.Equal(0, (await Store.AcquireAsync(A, Plan, op)).Ok());
        (await Store.CommitAsync(A, Plan, Text("v1"))).Ok();
        Assert.True(await Store.ReleaseAsync(A, Plan));
        Assert.Equal(0, (await Store.AcquireAsync(A, Plan, op)).Ok());
        Assert.Equal(HolderState.Shared, (await Store.InspectAsync(Plan))!.Holders[A].State);
    }

    [Fact]
    public async Task A_retried_Commit_returns_the_recorded_version_and_signals_and_commits_nothing()
    {
        await Create(Plan, "v1");
        await Store.ReadAsync(A, Plan);
        await Store.ReadAsync(B, Plan);
        await Store.ReadAsync(C, Plan);
        (await Store.AcquireAsync(A, Plan)).Ok();
        var op = Op("commit-1");
        var first = await Store.CommitAsync(A, Plan, Text("v2"), op);
        Assert.Equal(2, first.Ok());
        Assert.Equal([new InvalidationSignal(Plan, 2, A, SignalKind.Commit, B, 0), new InvalidationSignal(Plan, 2, A, SignalKind.Commit, C, 0)], first.Signals);
        await Store.ReadAsync(B, Plan);
        var before = await Snapshot(Plan);

        var retry = await Store.CommitAsync(A, Plan, Text("other content"), op);
        Assert.Null(retry.Refusal);
        Assert.Equal(2, retry.Version);
        Assert.Equal(first.Signals, retry.Signals);
        Assert.Equal(before, await Snapshot(Plan));
        Assert.Equal("v2", (await Store.ReadAsync(C, Plan)).TextOf());
    }

    [Fact]
    public async Task A_retried_CommitCas_returns_the_recorded_result_where_a_fresh_one_conflicts()
    {
        await Create(Plan, "v1");
        await Store.ReadAsync(B, Plan);
        var op = Op("cas-1");
        var first = await Store.CommitCasAsync(B, Plan, Text("v2"), 1, op);
        Assert.Equal(2, first.Ok());
        Assert.Equal(A, Assert.Single(first.Signals).Recipient);
        var before = await Snapshot(Plan);

        var retry = await Store.CommitCasAsync(B, Plan, Text("v2"), 1, op);
        Assert.Equal(2, retry.Ok());
        Assert.Equal(first.Signals, retry.Signals);
        Assert.Equal(before, await Snapshot(Plan));
        (await Store.CommitCasAsync(B, Plan, Text("v2"), 1, Op("cas-2"))).Refused(RefusalReason.VersionConflict);
    }

    [Fact]
    public async Task A_retried_Delete_under_the_grant_returns_the_recorded_tombstone_not_NotFound()
    {
        await Create(Plan, "v1");
        await Store.ReadAsync(A, Plan);
        await Store.ReadAsync(B, Plan);
        (await Store.AcquireAsync(A, Plan)).Ok();
        var op = Op("delete-1");
        var first = await Store.DeleteAsync(A, Plan, null, op);
        Assert.Equal(2, first.Ok());
        Assert.Equal(new InvalidationSignal(Plan, 2, A, SignalKind.Delete, B, 0), Assert.Single(first.Signals));
        var before = await Snapshot(Plan);

        var retry = await Store.DeleteAsync(A, Plan, null, op);
        Assert.Equal(2, retry.Ok());
        Assert.Equal(first.Signals, retry.Signals);
        Assert.Equal(before, await Snapshot(Plan));
        (await Store.DeleteAsync(A, Plan, null, Op("delete-2"))).Refused(RefusalReason.NotFound);
    }

    [Fact]
    public async Task A_retried_optimistic_Delete_returns_the_recorded_tombstone()
    {
        await Create(Plan, "v1");
        await Store.ReadAsync(B, Plan);
        var op = Op("delete-cas-1");
        var first = await Store.DeleteAsync(B, Plan, 1, op);
        Assert.Equal(2, first.Ok());
        var before = await Snapshot(Plan);

        var retry = await Store.DeleteAsync(B, Plan, 1, op);
        Assert.Equal(2, retry.Ok());
        Assert.Equal(first.Signals, retry.Signals);
        Assert.Equal(before, await Snapshot(Plan));
    }

    [Fact]
    public async Task A_retried_CommitAll_returns_the_recorded_versions_and_signals_and_lands_nothing_again()
    {
        await Create(Plan, "p1");
        await Store.ReadAsync(B, Plan);
        await Create(Notes, "n1", C);
        await Store.ReadAsync(A, Notes);
        var op = Op("batch-1");
        BatchMember[] members = [new(Plan, Text("p2"), 1), new(Notes, Text("n2"), 1)];
        var first = await Store.CommitAllAsync(A, members, op);
        Assert.True(first.Committed);
        Assert.Equal([2L, 2L], first.Versions);
        Assert.Equal([new InvalidationSignal(Plan, 2, A, SignalKind.Commit, B, 0), new InvalidationSignal(Notes, 2, A, SignalKind.Commit, C, 0)], first.Signals);
        var before = await Snapshot(Plan, Notes);

        var retry = await Store.CommitAllAsync(A, members, op);
        Assert.True(retry.Committed);
        Assert.Equal([null, null], retry.Refusals);
        Assert.Equal(first.Versions, retry.Versions);
        Assert.Equal(first.Signals, retry.Signals);
        Assert.Equal(before, await Snapshot(Plan, Notes));
        Assert.False((await Store.CommitAllAsync(A, members, Op("batch-2"))).Committed);
    }

    [Fact]
    public async Task A_retried_Release_returns_true_and_releases_nothing()
    {
        (await Store.AcquireAsync(A, Plan)).Ok();
        var op = Op("release-1");
        Assert.True(await Store.ReleaseAsync(A, Plan, op));
        (await Store.AcquireAsync(A, Plan)).Ok();

        Assert.True(await Store.ReleaseAsync(A, Plan, op));
        Assert.Equal(HolderState.Exclusive, (await Store.InspectAsync(Plan))!.Holders[A].State);
    }

    [Fact]
    public async Task A_Release_that_found_no_grant_is_not_recorded_and_its_retry_is_checked_afresh()
    {
        var op = Op("release-early");
        Assert.False(await Store.ReleaseAsync(A, Plan, op));
        (await Store.AcquireAsync(A, Plan)).Ok();
        Assert.True(await Store.ReleaseAsync(A, Plan, op));
        Assert.Equal(HolderState.Shared, (await Store.InspectAsync(Plan))!.Holders[A].State);
    }

    [Fact]
    public async Task A_refused_write_is_not_recorded_and_its_retry_with_the_same_id_is_checked_afresh()
    {
        await Create(Plan, "v1");
        await Store.ReadAsync(A, Plan);
        await Store.ReadAsync(B, Plan);
        (await Store.AcquireAsync(A, Plan)).Ok();
        var op = Op("cas-refused-then-landed");
        (await Store.CommitCasAsync(B, Plan, Text("v2"), 1, op)).Refused(RefusalReason.HeldByOther);
        Assert.True(await Store.ReleaseAsync(A, Plan));

        var second = await Store.CommitCasAsync(B, Plan, Text("v2"), 1, op);
        Assert.Equal(2, second.Ok());
        var third = await Store.CommitCasAsync(B, Plan, Text("v2"), 1, op);
        Assert.Equal(2, third.Ok());
        Assert.Equal(second.Signals, third.Signals);
        Assert.Equal(2, (await Store.InspectAsync(Plan))!.Version);
    }

    [Fact]
    public async Task A_refused_Acquire_and_a_refused_CommitAll_are_checked_afresh_on_retry()
    {
        await Create(Plan, "v1");
        var acquire = Op("acquire-stale");
        (await Store.AcquireAsync(B, Plan, acquire)).Refused(RefusalReason.StaleView);
        await Store.ReadAsync(B, Plan);
        Assert.Equal(1, (await Store.AcquireAsync(B, Plan, acquire)).Ok());
        Assert.True(await Store.ReleaseAsync(B, Plan));

        var batch = Op("batch-stale");
        BatchMember[] members = [new(Notes, Text("n1"), 0), new(Plan, Text("p2"), 2)];
        Assert.Equal(RefusalReason.ExpectedVersionAhead, (await Store.CommitAllAsync(C, members, batch)).Refusals[1]?.Reason);
        (await Store.CommitCasAsync(A, Plan, Text("v2"), 1)).Ok();
        var landed = await Store.CommitAllAsync(C, members, batch);
        Assert.True(landed.Committed);
        Assert.Equal([1L, 3L], landed.Versions);
    }

    [Fact]
    public async Task Operation_ids_are_per_agent()
    {
        await Create(Plan, "v1");
        var op = Op("shared-id");
        Assert.Equal(2, (await Store.CommitCasAsync(A, Plan, Text("v2"), 1, op)).Ok());
        (await Store.CommitCasAsync(B, Plan, Text("b"), 1, op)).Refused(RefusalReason.VersionConflict);
    }

    [Fact]
    public async Task A_retry_after_a_reclaim_returns_the_landed_commit_and_the_zombie_stays_fenced()
    {
        await Create(Plan, "v1", B);
        await Store.ReadAsync(A, Plan);
        (await Store.AcquireAsync(A, Plan)).Ok();
        var op = Op("zombie-commit");
        Assert.Equal(2, (await Store.CommitAsync(A, Plan, Text("landed"), op)).Ok());
        Time.Advance(TimeSpan.FromMinutes(3));
        await Store.HeartbeatAsync(B);
        Assert.Single((await Store.SweepAsync(SweepPolicy.Default)).Reclaimed);
        await Store.HeartbeatAsync(A);
        var before = await Snapshot(Plan);

        // The reply was lost: the retry learns that it landed, and neither reads nor re-arms anything.
        Assert.Equal(2, (await Store.CommitAsync(A, Plan, Text("landed"), op)).Ok());
        Assert.Equal(before, await Snapshot(Plan));
        (await Store.CommitAsync(A, Plan, Text("zombie"), Op("zombie-next"))).Refused(RefusalReason.StaleEpoch);
        (await Store.CommitCasAsync(A, Plan, Text("zombie"), 2, Op("zombie-cas"))).Refused(RefusalReason.StaleEpoch);
    }

    [Fact]
    public async Task A_write_without_an_operation_id_is_not_recorded()
    {
        await Create(Plan, "v1");
        (await Store.CommitCasAsync(A, Plan, Text("v2"), 1)).Ok();
        (await Store.CommitCasAsync(A, Plan, Text("v2"), 1)).Refused(RefusalReason.VersionConflict);
    }

    [Fact]
    public async Task The_store_keeps_the_last_64_operations_per_agent_and_a_retry_of_an_older_one_applies_again()
    {
        Assert.Equal(64, OperationLog.KeptPerAgent);
        (await Store.AcquireAsync(A, Plan)).Ok();
        for (var i = 0; i <= OperationLog.KeptPerAgent; i++)
        {
            Assert.Equal(i + 1, (await Store.CommitAsync(A, Plan, Text($"c{i}"), Op($"op-{i}"))).Ok());
        }

        // 65 recorded: op-0 is the 65th newest and forgotten, op-1 .. op-64 are kept.
        Assert.Equal(2, (await Store.CommitAsync(A, Plan, Text("c1"), Op("op-1"))).Ok());
        Assert.Equal(65, (await Store.CommitAsync(A, Plan, Text("c64"), Op("op-64"))).Ok());
        Assert.Equal(65, (await Store.InspectAsync(Plan))!.Version);

        // op-0 applies again (as documented: a client retries only its latest few) and is recorded
        // as the newest, which pushes op-1 out; op-1 applying again then pushes op-2 out.
        Assert.Equal(66, (await Store.CommitAsync(A, Plan, Text("c0 again"), Op("op-0"))).Ok());
        Assert.Equal(66, (await Store.CommitAsync(A, Plan, Text("c0 again"), Op("op-0"))).Ok());
        Assert.Equal(67, (await Store.CommitAsync(A, Plan, Text("c1 again"), Op("op-1"))).Ok());
        Assert.Equal(4, (await Store.CommitAsync(A, Plan, Text("c3"), Op("op-3"))).Ok());
        Assert.Equal(67, (await Store.InspectAsync(Plan))!.Version);
        Assert.Equal(68, (await Store.CommitAsync(A, Plan, Text("c2 again"), Op("op-2"))).Ok());
    }

    [Fact]
    public async Task The_operation_log_stays_exact_over_many_writes()
    {
        (await Store.AcquireAsync(A, Plan)).Ok();
        const int Writes = 200;
        for (var i = 1; i <= Writes; i++)
        {
            Assert.Equal(i, (await Store.CommitAsync(A, Plan, Text($"c{i}"), Op($"w-{i}"))).Ok());
        }

        // The newest 64 replay (newest first, so no retry pushes another out); the one before applies.
        for (var i = Writes; i > Writes - OperationLog.KeptPerAgent; i--)
        {
            Assert.Equal(i, (await Store.CommitAsync(A, Plan, Text("retry"), Op($"w-{i}"))).Ok());
        }

        Assert.Equal(Writes, (await Store.InspectAsync(Plan))!.Version);
        Assert.Equal(Writes + 1, (await Store.CommitAsync(A, Plan, Text("retry"), Op($"w-{Writes - OperationLog.KeptPerAgent}"))).Ok());
    }

    [Fact]
    public async Task Forget_drops_the_agents_operation_log()
    {
        await Create(Plan, "v1");
        var op = Op("before-forget");
        Assert.Equal(2, (await Store.CommitCasAsync(A, Plan, Text("v2"), 1, op)).Ok());
        Assert.Equal(2, (await Store.CommitCasAsync(A, Plan, Text("v2"), 1, op)).Ok());
        Assert.True(await Store.ForgetAsync(A));
        await Store.RegisterAgentAsync(A);

        (await Store.CommitCasAsync(A, Plan, Text("v2"), 1, op)).Refused(RefusalReason.VersionConflict);
    }

    [Fact]
    public async Task Signals_and_reads_carry_the_owner_epoch()
    {
        await Create(Plan, "v1", B);
        Assert.Equal(0, (await Store.ReadAsync(C, Plan)).OwnerEpoch);
        await Store.ReadAsync(A, Plan);
        (await Store.AcquireAsync(A, Plan)).Ok();
        Time.Advance(TimeSpan.FromMinutes(3));
        await Store.HeartbeatAsync(B);
        await Store.HeartbeatAsync(C);
        var sweep = await Store.SweepAsync(SweepPolicy.Default);
        Assert.Equal(new InvalidationSignal(Plan, 1, AgentId.Sweeper, SignalKind.Reclaim, A, 1), Assert.Single(sweep.Signals));

        var read = await Store.ReadAsync(B, Plan);
        Assert.Equal(1, read.OwnerEpoch);
        await Store.ReadAsync(C, Plan);
        var commit = await Store.CommitCasAsync(B, Plan, Text("v2"), 1, Op("epoch-commit"));
        Assert.Equal(new InvalidationSignal(Plan, 2, B, SignalKind.Commit, C, 1), Assert.Single(commit.Signals));
        Assert.Equal(commit.Signals, (await Store.CommitCasAsync(B, Plan, Text("v2"), 1, Op("epoch-commit"))).Signals);

        await Store.ReadAsync(C, Plan);
        var delete = await Store.DeleteAsync(B, Plan, 2);
        Assert.Equal(new InvalidationSignal(Plan, 3, B, SignalKind.Delete, C, 1), Assert.Single(delete.Signals));

        var tombstone = await Store.ReadAsync(C, Plan);
        Assert.Equal(RefusalReason.NotFound, tombstone.Refusal?.Reason);
        Assert.Equal(1, tombstone.OwnerEpoch);
        Assert.Equal(0, (await Store.ReadAsync(C, Notes)).OwnerEpoch);
    }

    [Fact]
    public async Task A_second_reclaim_at_the_same_version_signals_the_new_epoch()
    {
        await Create(Plan, "v1", C);
        await Store.ReadAsync(A, Plan);
        (await Store.AcquireAsync(A, Plan)).Ok();
        Time.Advance(TimeSpan.FromMinutes(3));
        await Store.HeartbeatAsync(B);
        Assert.Equal(1, Assert.Single((await Store.SweepAsync(SweepPolicy.Default)).Signals).OwnerEpoch);
        await Store.ReadAsync(B, Plan);
        (await Store.AcquireAsync(B, Plan)).Ok();
        Time.Advance(TimeSpan.FromMinutes(3));
        await Store.HeartbeatAsync(C);
        var second = Assert.Single((await Store.SweepAsync(SweepPolicy.Default)).Signals);
        Assert.Equal(new InvalidationSignal(Plan, 1, AgentId.Sweeper, SignalKind.Reclaim, B, 2), second);
    }

    [Fact]
    public async Task CommitAll_naming_an_artifact_twice_is_an_invalid_argument_and_changes_nothing()
    {
        await Create(Plan, "p1");
        await Store.ReadAsync(B, Plan);
        var before = await Snapshot(Plan, Notes);
        BatchMember[] members = [new(Notes, Text("n1"), 0), new(Plan, Text("p2"), 1), new(Notes, Text("n1 again"), 0)];

        var error = await Assert.ThrowsAsync<CoherenceArgumentException>(async () => await Store.CommitAllAsync(B, members, Op("dup")));
        Assert.Equal(CoherenceRules.DuplicateMember(Notes).Message, error.Message);
        Assert.Equal(before, await Snapshot(Plan, Notes));

        // Not recorded either: the same id then lands a valid batch.
        Assert.True((await Store.CommitAllAsync(B, [new BatchMember(Plan, Text("p2"), 1)], Op("dup"))).Committed);
    }

    [Fact]
    public async Task CommitAll_checks_the_batch_before_replaying_a_recorded_operation()
    {
        var op = Op("batch-then-dup");
        Assert.True((await Store.CommitAllAsync(A, [new BatchMember(Plan, Text("p1"), 0)], op)).Committed);
        var error = await Assert.ThrowsAsync<CoherenceArgumentException>(async () =>
            await Store.CommitAllAsync(A, [new BatchMember(Plan, Text("p1"), 0), new BatchMember(Plan, Text("p1"), 0)], op));
        Assert.Equal(CoherenceRules.DuplicateMember(Plan).Message, error.Message);
    }

    [Fact]
    public async Task An_empty_CommitAll_is_the_same_invalid_argument_as_CheckBatch()
    {
        var expected = Assert.Throws<CoherenceArgumentException>(() => CoherenceRules.CheckBatch([]));
        var error = await Assert.ThrowsAsync<CoherenceArgumentException>(async () => await Store.CommitAllAsync(A, []));
        Assert.Equal(expected.Message, error.Message);
        Assert.Equal(expected.ParamName, error.ParamName);
    }

    [Fact]
    public async Task A_CommitAll_with_a_null_member_is_an_invalid_argument()
    {
        await Assert.ThrowsAsync<CoherenceArgumentException>(async () => await Store.CommitAllAsync(A, [new BatchMember(Plan, Text("p1"), 0), null!]));
        Assert.Null(await Store.InspectAsync(Plan));
    }
}

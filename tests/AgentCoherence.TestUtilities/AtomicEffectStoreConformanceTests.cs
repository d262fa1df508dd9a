using Microsoft.Extensions.Time.Testing;
using Xunit;
using static AgentCoherence.Testing.StoreTestExtensions;
using AgentCoherence.Protocol;

namespace AgentCoherence.Testing;

/// <summary>
/// What every <see cref="IAtomicEffectStore"/> must do with a caller's side effect: run it inside the step of
/// an applied write (never for a refusal or a replay), undo the whole step when it throws, and keep every
/// write out while an inspecting effect runs. Each store's test project inherits this class.
/// </summary>
public abstract class AtomicEffectStoreConformanceTests : IAsyncLifetime
{
    protected static readonly AgentId A = new("alice");
    protected static readonly AgentId B = new("bob");
    protected static readonly ArtifactKey Plan = new("team", "plans/plan.md");
    protected static readonly ArtifactKey Notes = new("team", "notes.md");

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));

    protected IAtomicEffectStore Store { get; private set; } = null!;

    protected abstract Task<IAtomicEffectStore> CreateStore(FakeTimeProvider time);

    public virtual async Task InitializeAsync()
    {
        Store = await CreateStore(Time);
        await Store.RegisterAgentAsync(A);
        await Store.RegisterAgentAsync(B);
    }

    public virtual Task DisposeAsync() => Store is IAsyncDisposable d ? d.DisposeAsync().AsTask() : Task.CompletedTask;

    [Fact]
    public async Task The_effect_of_an_applied_commit_runs_once_with_the_new_version()
    {
        (await Store.AcquireAsync(A, Plan)).Ok();
        var seen = new List<long>();

        var result = await Store.CommitWithEffectAsync(A, Plan, Text("v1"), OperationId.New(), r => seen.Add(r.Version));

        Assert.Equal(1, result.Ok());
        Assert.Equal([1L], seen);
        Assert.Equal(ContentPayload.HashHex("v1"u8), (await Store.InspectAsync(Plan))!.ContentHash);
    }

    [Fact]
    public async Task The_effect_of_a_refused_write_never_runs()
    {
        (await Store.CommitCasAsync(A, Plan, Text("v1"), 0)).Ok();
        var ran = 0;

        (await Store.CommitCasWithEffectAsync(B, Plan, Text("stale"), 0, OperationId.New(), _ => ran++)).Refused(RefusalReason.VersionConflict);
        (await Store.CommitWithEffectAsync(B, Plan, Text("no grant"), OperationId.New(), _ => ran++)).Refused(RefusalReason.NotOwner);
        var batch = await Store.CommitAllWithEffectAsync(B, [new BatchMember(Plan, Text("stale"), 0), new BatchMember(Notes, Text("n"), 0)], OperationId.New(), _ => ran++);

        Assert.False(batch.Committed);
        Assert.Equal(0, ran);
    }

    [Fact]
    public async Task A_reclaimed_holder_is_refused_stale_epoch_and_its_effect_never_runs()
    {
        (await Store.CommitCasAsync(A, Plan, Text("v1"), 0)).Ok();
        await Store.ReadAsync(A, Plan);
        (await Store.AcquireAsync(A, Plan)).Ok();
        Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Single((await Store.SweepAsync(new SweepPolicy(TimeSpan.FromDays(1), TimeSpan.FromSeconds(1), null))).Reclaimed);
        var ran = false;

        (await Store.CommitWithEffectAsync(A, Plan, Text("zombie"), OperationId.New(), _ => ran = true)).Refused(RefusalReason.StaleEpoch);

        Assert.False(ran);
    }

    [Fact]
    public async Task The_effect_of_an_override_runs_once_when_it_lands_and_not_on_its_replay()
    {
        (await Store.CommitCasAsync(A, Plan, Text("v1"), 0)).Ok();
        (await Store.CommitCasAsync(A, Plan, Text("v2"), 1)).Ok();
        var seen = new List<long>();
        var op = OperationId.New();

        // B never read: enforcement would refuse its write; the uncoordinated write lands with its effect.
        Assert.Equal(3, (await Store.OverrideWithEffectAsync(B, Plan, Text("blind"), op, r => seen.Add(r.Version))).Ok());
        Assert.Equal(3, (await Store.OverrideWithEffectAsync(B, Plan, Text("blind"), op, r => seen.Add(r.Version))).Ok());

        Assert.Equal([3L], seen);
        Assert.Equal(3, (await Store.InspectAsync(Plan))!.Version);
    }

    [Fact]
    public async Task An_override_effect_that_throws_undoes_the_write_and_a_refused_delete_runs_none()
    {
        (await Store.CommitCasAsync(A, Plan, Text("v1"), 0)).Ok();
        await Store.ReadAsync(B, Plan);
        var op = OperationId.New();

        await Assert.ThrowsAsync<AtomicEffectFailedException>(() => Store.OverrideWithEffectAsync(B, Plan, Text("lost"), op, _ => throw new IOException("disk full")).AsTask());
        var record = (await Store.InspectAsync(Plan))!;
        Assert.Equal(1, record.Version);
        Assert.Equal(HolderState.Shared, record.Holders[A].State);

        // Nothing was recorded: the same id applies now.
        Assert.Equal(2, (await Store.OverrideWithEffectAsync(B, Plan, Text("landed"), op, _ => { })).Ok());
        var ran = false;
        (await Store.OverrideWithEffectAsync(B, Notes, null, OperationId.New(), _ => ran = true)).Refused(RefusalReason.NotFound);
        Assert.False(ran);
    }

    [Fact]
    public async Task An_effect_that_throws_undoes_the_commit_and_records_no_operation()
    {
        (await Store.CommitCasAsync(A, Plan, Text("v1"), 0)).Ok();
        await Store.ReadAsync(B, Plan);
        (await Store.AcquireAsync(A, Plan)).Ok();
        var before = await Store.InspectAsync(Plan);
        var operation = OperationId.New();

        var failed = await Assert.ThrowsAsync<AtomicEffectFailedException>(async () =>
            await Store.CommitWithEffectAsync(A, Plan, Text("v2"), operation, _ => throw new IOException("rename failed")));

        Assert.IsType<IOException>(failed.InnerException);
        Assert.Equal(Plan, failed.Key);
        AssertSameRecord(before!, (await Store.InspectAsync(Plan))!);

        // The id was not recorded: the same write with the same id is applied now, once, and its effect runs.
        var ran = 0;
        Assert.Equal(2, (await Store.CommitWithEffectAsync(A, Plan, Text("v2"), operation, _ => ran++)).Ok());
        Assert.Equal(1, ran);
    }

    [Fact]
    public async Task An_effect_that_throws_undoes_a_creation()
    {
        var failed = await Assert.ThrowsAsync<AtomicEffectFailedException>(async () =>
            await Store.CommitCasWithEffectAsync(A, Plan, Text("v1"), 0, OperationId.New(), _ => throw new InvalidOperationException("no")));

        Assert.IsType<InvalidOperationException>(failed.InnerException);
        var record = await Store.InspectAsync(Plan);
        Assert.True(record is null || record.Version == 0);
        Assert.Equal(1, (await Store.CommitCasAsync(A, Plan, Text("v1"), 0)).Ok());
    }

    [Fact]
    public async Task An_effect_that_throws_undoes_every_member_of_a_batch()
    {
        (await Store.CommitCasAsync(A, Plan, Text("p1"), 0)).Ok();
        (await Store.CommitCasAsync(A, Notes, Text("n1"), 0)).Ok();
        var plan = await Store.InspectAsync(Plan);
        var notes = await Store.InspectAsync(Notes);
        CommitAllResult? seen = null;

        await Assert.ThrowsAsync<AtomicEffectFailedException>(async () => await Store.CommitAllWithEffectAsync(
            B,
            [new BatchMember(Plan, Text("p2"), 1), new BatchMember(Notes, Text("n2"), 1)],
            OperationId.New(),
            r =>
            {
                seen = r;
                throw new IOException("second rename failed");
            }));

        Assert.Equal([2L, 2L], seen!.Versions);
        AssertSameRecord(plan!, (await Store.InspectAsync(Plan))!);
        AssertSameRecord(notes!, (await Store.InspectAsync(Notes))!);
    }

    [Fact]
    public async Task A_replayed_operation_returns_its_result_without_running_the_effect_again()
    {
        (await Store.CommitCasAsync(A, Plan, Text("v1"), 0)).Ok();
        var operation = OperationId.New();
        var ran = 0;
        Assert.Equal(2, (await Store.CommitCasWithEffectAsync(A, Plan, Text("v2"), 1, operation, _ => ran++)).Ok());

        var replay = await Store.CommitCasWithEffectAsync(A, Plan, Text("v2"), 1, operation, _ => ran++);

        Assert.Equal(2, replay.Ok());
        Assert.Equal(1, ran);
        Assert.Equal(2, (await Store.InspectAsync(Plan))!.Version);
    }

    [Fact]
    public async Task An_inspecting_effect_sees_the_committed_bytes()
    {
        (await Store.CommitCasAsync(A, Plan, Text("v1"), 0)).Ok();

        var seen = await Store.InspectWithEffectAsync(Plan, r => (r!.Version, System.Text.Encoding.UTF8.GetString(r.Content!)));
        var missing = await Store.InspectWithEffectAsync(Notes, r => r is null || !r.Exists);

        Assert.Equal((1L, "v1"), seen);
        Assert.True(missing);
        var failed = await Assert.ThrowsAsync<AtomicEffectFailedException>(async () => await Store.InspectWithEffectAsync<int>(Plan, _ => throw new IOException("disk")));
        Assert.IsType<IOException>(failed.InnerException);
    }

    [Fact]
    public async Task No_write_lands_while_an_inspecting_effect_runs()
    {
        (await Store.CommitCasAsync(A, Plan, Text("v1"), 0)).Ok();
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var inspecting = Task.Run(async () => await Store.InspectWithEffectAsync(Plan, r =>
        {
            entered.Set();
            release.Wait(TimeSpan.FromSeconds(30));
            return r!.Version;
        }));
        Assert.True(entered.Wait(TimeSpan.FromSeconds(30)));

        var write = Task.Run(async () => await Store.CommitCasAsync(B, Plan, Text("v2"), 1));
        await Task.Delay(200);
        Assert.False(write.IsCompleted);
        release.Set();

        Assert.Equal(1, await inspecting);
        Assert.Equal(2, (await write).Ok());
    }

    private static void AssertSameRecord(DirectoryRecord expected, DirectoryRecord actual)
    {
        Assert.Equal(expected.Version, actual.Version);
        Assert.Equal(expected.ContentHash, actual.ContentHash);
        Assert.Equal(expected.OwnerEpoch, actual.OwnerEpoch);
        Assert.Equal(expected.LastWriter, actual.LastWriter);
        Assert.Equal(
            expected.Holders.OrderBy(h => h.Key.Value, StringComparer.Ordinal).Select(h => (h.Key, h.Value.State, h.Value.ViewVersion, h.Value.ReadEpoch)),
            actual.Holders.OrderBy(h => h.Key.Value, StringComparer.Ordinal).Select(h => (h.Key, h.Value.State, h.Value.ViewVersion, h.Value.ReadEpoch)));
    }
}

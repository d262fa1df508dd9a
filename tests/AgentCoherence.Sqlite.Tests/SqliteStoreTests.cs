using System.Text;
using AgentCoherence.Sqlite;
using AgentCoherence.Testing;
using Microsoft.Extensions.Time.Testing;
using AgentCoherence.Protocol;

namespace AgentCoherence.Sqlite.Tests;

/// <summary>What the SQLite store adds to the conformance suite: durability across instances and exact round trips.</summary>
public sealed class SqliteStoreTests : IDisposable
{
    private static readonly AgentId A = new("alice");
    private static readonly AgentId B = new("bob");
    private static readonly ArtifactKey Plan = new("team", "plans/plan.md");
    private static readonly ArtifactKey Notes = new("team", "plans/notes.md");
    private readonly TempDirectory _directory = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));

    public void Dispose() => _directory.Dispose();

    private SqliteDirectoryStore Open() => new(new SqliteStoreOptions { Path = _directory.File("store.db") }, _time);

    private static async Task<string> Snapshot(SqliteDirectoryStore store) =>
        StoreDifferentialTests.Describe(await store.InspectAsync(Plan)) + " || " + StoreDifferentialTests.Describe(await store.InspectAsync(Notes));

    [Fact]
    public async Task State_survives_closing_and_reopening_the_store_exactly()
    {
        string before;
        await using (var store = Open())
        {
            await store.RegisterAgentAsync(A);
            await store.RegisterAgentAsync(B);
            (await store.CommitCasAsync(A, Plan, StoreTestExtensions.Text("v1"), 0)).Ok();
            await store.ReadAsync(B, Plan);
            (await store.AcquireAsync(B, Plan)).Ok();
            _time.Advance(TimeSpan.FromMinutes(3));
            await store.HeartbeatAsync(A);
            await store.SweepAsync(SweepPolicy.Default);
            before = StoreDifferentialTests.Describe(await store.InspectAsync(Plan));
        }

        await using var reopened = Open();
        Assert.Equal(before, StoreDifferentialTests.Describe(await reopened.InspectAsync(Plan)));
        Assert.Equal(RefusalReason.StaleEpoch, (await reopened.CommitAsync(B, Plan, StoreTestExtensions.Text("zombie"))).Refusal?.Reason);
    }

    [Fact]
    public async Task Two_store_instances_on_one_file_see_each_others_commits_and_refusals()
    {
        await using var first = Open();
        await using var second = Open();
        await first.RegisterAgentAsync(A);
        await second.RegisterAgentAsync(B);
        (await first.CommitCasAsync(A, Plan, StoreTestExtensions.Text("v1"), 0)).Ok();
        Assert.Equal(RefusalReason.VersionConflict, (await second.CommitCasAsync(B, Plan, StoreTestExtensions.Text("x"), 0)).Refusal?.Reason);
        var read = await second.ReadAsync(B, Plan);
        Assert.Equal("v1", read.TextOf());
        var win = await second.CommitCasAsync(B, Plan, StoreTestExtensions.Text("v2"), 1);
        Assert.Equal(A, Assert.Single(win.Signals).Recipient);
        Assert.Equal(HolderState.Invalid, (await first.InspectAsync(Plan))!.Holders[A].State);
    }

    [Fact]
    public async Task Empty_content_comes_back_empty_not_absent()
    {
        await using var store = Open();
        await store.RegisterAgentAsync(A);
        (await store.CommitCasAsync(A, Plan, ContentPayload.Create([], 0), 0)).Ok();
        var read = await store.ReadAsync(A, Plan);
        Assert.NotNull(read.Content);
        Assert.Empty(read.Content);
        Assert.Equal(ContentPayload.HashHex([]), read.ContentHash);
    }

    [Fact]
    public async Task Times_come_back_as_the_same_instants_in_UTC()
    {
        var local = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 14, 0, 0, TimeSpan.FromHours(2)));
        await using var store = new SqliteDirectoryStore(new SqliteStoreOptions { Path = _directory.File("utc.db") }, local);
        await store.RegisterAgentAsync(A);
        (await store.CommitCasAsync(A, Plan, StoreTestExtensions.Text("v1"), 0)).Ok();
        var committed = (await store.InspectAsync(Plan))!.CommittedAt!.Value;
        Assert.Equal(local.GetUtcNow(), committed);
        Assert.Equal(TimeSpan.Zero, committed.Offset);
    }

    [Fact]
    public async Task Large_content_round_trips_byte_for_byte()
    {
        var bytes = new byte[3 * 1024 * 1024];
        new Random(7).NextBytes(bytes);
        await using var store = Open();
        await store.RegisterAgentAsync(A);
        (await store.CommitCasAsync(A, Plan, ContentPayload.Create(bytes, 1), 0)).Ok();
        var read = await store.ReadAsync(A, Plan);
        Assert.Equal(bytes, read.Content);
        Assert.Equal(Encoding.UTF8.GetBytes(ContentPayload.HashHex(bytes)), Encoding.UTF8.GetBytes(read.ContentHash!));
    }

    [Fact]
    public async Task A_batch_naming_one_artifact_twice_is_refused_with_nothing_changed_and_the_write_lock_released()
    {
        var op = new OperationId("batch-1");
        await using var store = Open();
        await store.RegisterAgentAsync(A);
        await store.RegisterAgentAsync(B);
        (await store.CommitCasAsync(A, Plan, StoreTestExtensions.Text("v1"), 0)).Ok();
        await store.ReadAsync(B, Plan);
        var before = await Snapshot(store);
        BatchMember[] twice = [
            new BatchMember(Plan, StoreTestExtensions.Text("a"), 1),
            new BatchMember(Notes, StoreTestExtensions.Text("n"), 0),
            new BatchMember(Plan, StoreTestExtensions.Text("b"), 1),
        ];

        var error = await Assert.ThrowsAsync<CoherenceArgumentException>(async () => await store.CommitAllAsync(A, twice, op));
        Assert.Contains("same artifact twice", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await Snapshot(store));

        // No transaction (and no turn in the process's queue for the file) was left open: another store takes the write lock at once.
        await using (var other = new SqliteDirectoryStore(new SqliteStoreOptions { Path = _directory.File("store.db"), BusyTimeout = TimeSpan.Zero }, _time))
        {
            Assert.Equal(2, (await other.CommitCasAsync(B, Plan, StoreTestExtensions.Text("v2 by bob"), 1)).Ok());
        }

        // The id was not recorded: a valid batch with it applies.
        var valid = await store.CommitAllAsync(A, [new BatchMember(Plan, StoreTestExtensions.Text("a"), 2), new BatchMember(Notes, StoreTestExtensions.Text("n"), 0)], op);
        Assert.True(valid.Committed);
        Assert.Equal([3L, 1L], valid.Versions);
    }

    [Fact]
    public async Task A_batch_with_a_null_member_is_refused_with_the_librarys_argument_error_not_a_NullReferenceException()
    {
        await using var store = Open();
        await store.RegisterAgentAsync(A);
        (await store.CommitCasAsync(A, Plan, StoreTestExtensions.Text("v1"), 0)).Ok();
        var before = await Snapshot(store);
        var error = await Assert.ThrowsAsync<CoherenceArgumentException>(async () =>
            await store.CommitAllAsync(A, [new BatchMember(Plan, StoreTestExtensions.Text("a"), 1), null!]));
        Assert.Contains("Member 1 is null", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await Snapshot(store));
    }
}

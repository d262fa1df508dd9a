using System.Globalization;
using System.Text;
using AgentCoherence.Sqlite;
using AgentCoherence.Testing;
using Microsoft.Extensions.Time.Testing;
using AgentCoherence.Protocol;

namespace AgentCoherence.Sqlite.Tests;

/// <summary>
/// Exactly-once writes on SQLite: the operation log lives in the file, so a retry with the same
/// operation id gets the recorded result from any store instance on that file (another process, or
/// the same one after its connection was lost and reopened), in the same transaction as the write.
/// </summary>
public sealed class SqliteOperationLogTests : IDisposable
{
    private static readonly AgentId A = new("alice");
    private static readonly AgentId B = new("bob");
    private static readonly ArtifactKey Plan = new("team", "plans/plan.md");
    private static readonly ArtifactKey Notes = new("team", "plans/notes.md");
    private static readonly OperationId Op = new("op-1");
    private readonly TempDirectory _directory = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));

    public void Dispose() => _directory.Dispose();

    /// <summary>The writes, each with what it needs before it, the write itself, and what happens after it so that applying it again would show.</summary>
    public static TheoryData<string> Writes => new(Scenarios.Keys.Order(StringComparer.Ordinal));

    private static readonly Dictionary<string, Scenario> Scenarios = new()
    {
        // A fresh Acquire would now be refused: bob holds the grant.
        ["Acquire"] = new(
            Arrange: _ => Task.CompletedTask,
            Act: async (s, op) => Describe(await s.AcquireAsync(A, Plan, op)),
            After: async s =>
            {
                Assert.True(await s.ReleaseAsync(A, Plan));
                (await s.AcquireAsync(B, Plan)).Ok();
            }),

        // A fresh Commit would land again (alice still holds the grant) as v3.
        ["Commit"] = new(
            Arrange: async s => (await s.AcquireAsync(A, Plan)).Ok(),
            Act: async (s, op) => Describe(await s.CommitAsync(A, Plan, StoreTestExtensions.Text("v2"), op)),
            After: _ => Task.CompletedTask),

        // A fresh CommitCas would be a VersionConflict (expected 1, current 2).
        ["CommitCas"] = new(
            Arrange: _ => Task.CompletedTask,
            Act: async (s, op) => Describe(await s.CommitCasAsync(A, Plan, StoreTestExtensions.Text("v2"), 1, op)),
            After: _ => Task.CompletedTask),

        // A fresh Delete of the tombstone would be NotFound.
        ["Delete (grant)"] = new(
            Arrange: async s => (await s.AcquireAsync(A, Plan)).Ok(),
            Act: async (s, op) => Describe(await s.DeleteAsync(A, Plan, null, op)),
            After: _ => Task.CompletedTask),

        // A fresh DeleteCas of the tombstone would be NotFound.
        ["Delete (CAS)"] = new(
            Arrange: _ => Task.CompletedTask,
            Act: async (s, op) => Describe(await s.DeleteAsync(A, Plan, 1, op)),
            After: _ => Task.CompletedTask),

        // A fresh CommitAll would be refused for both members (their versions moved).
        ["CommitAll"] = new(
            Arrange: async s =>
            {
                (await s.CommitCasAsync(A, Notes, StoreTestExtensions.Text("notes v1"), 0)).Ok();
                await s.ReadAsync(B, Notes);
            },
            Act: async (s, op) => Describe(await s.CommitAllAsync(A, [
                new BatchMember(Plan, StoreTestExtensions.Text("plan v2"), 1),
                new BatchMember(Notes, StoreTestExtensions.Text("notes v2"), 1),
            ], op)),
            After: _ => Task.CompletedTask),

        // A fresh Release would release the grant alice took again since (she would become S).
        ["Release"] = new(
            Arrange: async s => (await s.AcquireAsync(A, Plan)).Ok(),
            Act: async (s, op) => (await s.ReleaseAsync(A, Plan, op)).ToString(),
            After: async s => (await s.AcquireAsync(A, Plan)).Ok()),
    };

    [Theory]
    [MemberData(nameof(Writes))]
    public async Task A_retry_with_the_same_operation_id_from_another_store_instance_and_after_reopening_returns_the_recorded_result_and_applies_nothing(string write)
    {
        var scenario = Scenarios[write];
        string outcome;
        string state;
        await using (var first = Open())
        await using (var second = Open())
        {
            await Seed(first);
            await scenario.Arrange(first);
            outcome = await scenario.Act(first, Op);
            Assert.DoesNotContain("refused", outcome, StringComparison.Ordinal);
            if (write is not ("Acquire" or "Release"))
            {
                Assert.Contains("-> bob", outcome, StringComparison.Ordinal);
            }

            await scenario.After(first);
            state = await Snapshot(first);

            // Another instance on the file: a second process, or this one with a new connection after a lost reply.
            Assert.Equal(outcome, await scenario.Act(second, Op));
            Assert.Equal(state, await Snapshot(second));
            Assert.Equal(outcome, await scenario.Act(first, Op));
            Assert.Equal(state, await Snapshot(first));
        }

        await using var reopened = Open();
        Assert.Equal(outcome, await scenario.Act(reopened, Op));
        Assert.Equal(state, await Snapshot(reopened));
    }

    [Fact]
    public async Task A_refused_write_retried_with_the_same_id_from_another_instance_is_checked_afresh_and_then_recorded()
    {
        await using var first = Open();
        await using var second = Open();
        await Seed(first);
        (await first.CommitAsync(A, Plan, StoreTestExtensions.Text("v2"), Op)).Refused(RefusalReason.NotOwner);
        (await second.AcquireAsync(A, Plan, new OperationId("op-acquire"))).Ok();

        var landed = await second.CommitAsync(A, Plan, StoreTestExtensions.Text("v2"), Op);
        Assert.Equal(2, landed.Ok());
        Assert.Equal(B, Assert.Single(landed.Signals).Recipient);

        // Now it was applied: a further retry gets v2 back, and alice's grant does not commit a v3.
        Assert.Equal(Describe(landed), Describe(await first.CommitAsync(A, Plan, StoreTestExtensions.Text("v2"), Op)));
        Assert.Equal(2, (await first.InspectAsync(Plan))!.Version);
    }

    [Fact]
    public async Task The_log_keeps_the_newest_64_operations_per_agent_and_checks_older_ids_afresh()
    {
        await using (var store = Open())
        {
            await store.RegisterAgentAsync(A);
            await store.RegisterAgentAsync(B);
            (await store.CommitCasAsync(B, Notes, StoreTestExtensions.Text("b"), 0, new OperationId("bob-1"))).Ok();
            for (var i = 0; i < 70; i++)
            {
                Assert.Equal(i + 1, (await store.CommitCasAsync(A, Plan, StoreTestExtensions.Text($"v{i + 1}"), i, IdOf(i))).Ok());
            }
        }

        Assert.Equal(OperationLog.KeptPerAgent, OperationRows(A));
        Assert.Equal(1, OperationRows(B));

        await using var reopened = Open();

        // The 6 oldest of 70 were dropped: their retry is a new write, refused because the version moved.
        (await reopened.CommitCasAsync(A, Plan, StoreTestExtensions.Text("v6"), 5, IdOf(5))).Refused(RefusalReason.VersionConflict);
        Assert.Equal(7, (await reopened.CommitCasAsync(A, Plan, StoreTestExtensions.Text("v7"), 6, IdOf(6))).Ok());
        Assert.Equal(70, (await reopened.CommitCasAsync(A, Plan, StoreTestExtensions.Text("v70"), 69, IdOf(69))).Ok());
        Assert.Equal(1, (await reopened.CommitCasAsync(B, Notes, StoreTestExtensions.Text("b"), 0, new OperationId("bob-1"))).Ok());
        Assert.Equal(70, (await reopened.InspectAsync(Plan))!.Version);
        Assert.Equal(OperationLog.KeptPerAgent, OperationRows(A));
    }

    [Fact]
    public async Task Forget_drops_the_agents_log_so_a_retry_after_registering_again_is_checked_afresh()
    {
        await using var first = Open();
        await using var second = Open();
        await Seed(first);
        (await first.CommitCasAsync(A, Plan, StoreTestExtensions.Text("v2"), 1, Op)).Ok();
        (await first.CommitCasAsync(B, Notes, StoreTestExtensions.Text("n1"), 0, Op)).Ok();
        Assert.Equal(1, OperationRows(A));

        Assert.True(await second.ForgetAsync(A));
        Assert.Equal(0, OperationRows(A));
        Assert.Equal(1, OperationRows(B));

        await first.RegisterAgentAsync(A);
        (await first.CommitCasAsync(A, Plan, StoreTestExtensions.Text("v2"), 1, Op)).Refused(RefusalReason.VersionConflict);
        Assert.Equal(1, (await second.CommitCasAsync(B, Notes, StoreTestExtensions.Text("n1"), 0, Op)).Ok());
    }

    [Fact]
    public async Task Writes_without_an_operation_id_record_nothing()
    {
        await using (var store = Open())
        {
            await Seed(store);
            (await store.CommitCasAsync(A, Plan, StoreTestExtensions.Text("v2"), 1)).Ok();
            (await store.AcquireAsync(A, Plan)).Ok();
            Assert.True(await store.ReleaseAsync(A, Plan));
        }

        Assert.Equal(0, OperationRows(A));
    }

    [Fact]
    public async Task A_retry_from_another_process_gets_the_recorded_result_and_applies_nothing()
    {
        await using (var store = Open())
        {
            await Seed(store);
        }

        var first = await RunCas("v2");
        Assert.Equal("CAS Ok v2 signals bob:Commit:v2:e0:alice:team:plans/plan.md", first);
        Assert.Equal(first, await RunCas("v2 again"));

        await using var reopened = Open();
        var record = (await reopened.InspectAsync(Plan))!;
        Assert.Equal(2, record.Version);
        Assert.Equal("v2", Encoding.UTF8.GetString(record.Content!));
    }

    private string DatabasePath => _directory.File("store.db");

    private SqliteDirectoryStore Open() => new(new SqliteStoreOptions { Path = DatabasePath }, _time);

    private static OperationId IdOf(int i) => new("op-" + i.ToString(CultureInfo.InvariantCulture));

    // alice wrote v1 of the plan; bob read it (so alice's writes invalidate him).
    private static async Task Seed(SqliteDirectoryStore store)
    {
        await store.RegisterAgentAsync(A);
        await store.RegisterAgentAsync(B);
        (await store.CommitCasAsync(A, Plan, StoreTestExtensions.Text("v1"), 0)).Ok();
        await store.ReadAsync(B, Plan);
    }

    private static async Task<string> Snapshot(SqliteDirectoryStore store) =>
        StoreDifferentialTests.Describe(await store.InspectAsync(Plan)) + " || " + StoreDifferentialTests.Describe(await store.InspectAsync(Notes));

    private long OperationRows(AgentId agent)
    {
        using var connection = SqliteSchemaTests.OpenRaw(DatabasePath);
        return (long)SqliteSchemaTests.Scalar(connection, $"SELECT count(*) FROM operations WHERE agent = '{agent}'")!;
    }

    private async Task<string> RunCas(string text)
    {
        using var worker = WorkerProcess.Start("cas", DatabasePath, A.Value, Plan.StoreKey, "1", Op.Value!, text);
        var line = await worker.WaitForLine("CAS", TimeSpan.FromSeconds(90));
        Assert.True(await worker.WaitForExit(TimeSpan.FromSeconds(90)) == 0, worker.Transcript);
        return line;
    }

    private static string Describe(WriteResult result) =>
        result.Refusal is { } refusal ? $"refused {refusal.Reason}" : $"ok v{result.Version} {Describe(result.Signals)}";

    private static string Describe(CommitAllResult result) =>
        $"{string.Join(",", result.Refusals.Select(r => r is null ? "ok" : $"refused {r.Reason}"))} versions {string.Join(",", result.Versions)} {Describe(result.Signals)}";

    private static string Describe(IReadOnlyList<InvalidationSignal> signals) =>
        string.Join(" ", signals.Select(s => $"{s.Kind} {s.Key.StoreKey} v{s.NewVersion} e{s.OwnerEpoch} {s.Issuer} -> {s.Recipient}"));

    private sealed record Scenario(Func<SqliteDirectoryStore, Task> Arrange, Func<SqliteDirectoryStore, OperationId, Task<string>> Act, Func<SqliteDirectoryStore, Task> After);
}

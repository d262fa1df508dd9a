using System.Diagnostics;
using AgentCoherence.Sqlite;
using AgentCoherence.Testing;
using Microsoft.Data.Sqlite;

namespace AgentCoherence.Sqlite.Tests;

public sealed class SqliteBusyTests : IDisposable
{
    private static readonly AgentId A = new("alice");
    private static readonly ArtifactKey Plan = new("team", "plans/plan.md");
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private SqliteStoreOptions Options(int retries) => new()
    {
        Path = _directory.File("busy.db"),
        BusyTimeout = TimeSpan.FromMilliseconds(100),
        MaxBusyRetries = retries,
        BusyRetryDelay = TimeSpan.FromMilliseconds(10),
    };

    [Fact]
    public async Task A_write_lock_held_by_another_connection_ends_in_StoreBusyException_after_the_bounded_retries_with_nothing_changed()
    {
        await using var store = new SqliteDirectoryStore(Options(retries: 2));
        await store.RegisterAgentAsync(A);
        (await store.CommitCasAsync(A, Plan, StoreTestExtensions.Text("v1"), 0)).Ok();
        var before = StoreDifferentialTests.Describe(await store.InspectAsync(Plan));

        using var other = SqliteSchemaTests.OpenRaw(store.DataSource);
        SqliteSchemaTests.Execute(other, "BEGIN IMMEDIATE");
        var busy = await Assert.ThrowsAsync<StoreBusyException>(async () => await store.CommitCasAsync(A, Plan, StoreTestExtensions.Text("v2"), 1));
        SqliteSchemaTests.Execute(other, "ROLLBACK");

        Assert.Equal(3, busy.Attempts);
        Assert.Equal("CommitCas", busy.Operation);
        Assert.True(busy.IsRetryable);
        Assert.Equal(before, StoreDifferentialTests.Describe(await store.InspectAsync(Plan)));
        Assert.Equal(2, (await store.CommitCasAsync(A, Plan, StoreTestExtensions.Text("v2"), 1)).Ok());
    }

    [Fact]
    public async Task A_write_lock_released_during_the_retries_lets_the_operation_through()
    {
        await using var store = new SqliteDirectoryStore(Options(retries: 20));
        await store.RegisterAgentAsync(A);

        using var other = SqliteSchemaTests.OpenRaw(store.DataSource);
        SqliteSchemaTests.Execute(other, "BEGIN IMMEDIATE");
        var commit = store.CommitCasAsync(A, Plan, StoreTestExtensions.Text("v1"), 0).AsTask();
        await Task.Delay(250);
        Assert.False(commit.IsCompleted);
        SqliteSchemaTests.Execute(other, "ROLLBACK");

        Assert.Equal(1, (await commit).Ok());
    }

    [Fact]
    public async Task A_reader_in_another_connection_does_not_block_writes()
    {
        await using var store = new SqliteDirectoryStore(Options(retries: 0));
        await store.RegisterAgentAsync(A);
        (await store.CommitCasAsync(A, Plan, StoreTestExtensions.Text("v1"), 0)).Ok();

        using var reader = SqliteSchemaTests.OpenRaw(store.DataSource);
        using var transaction = reader.BeginTransaction(deferred: true);
        Assert.Equal(1L, SqliteSchemaTests.Scalar(reader, "SELECT version FROM records"));
        Assert.Equal(2, (await store.CommitCasAsync(A, Plan, StoreTestExtensions.Text("v2"), 1)).Ok());
        Assert.Equal(1L, SqliteSchemaTests.Scalar(reader, "SELECT version FROM records"));
    }
}

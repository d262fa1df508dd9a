using AgentCoherence.Protocol;
using AgentCoherence.Sqlite;
using AgentCoherence.Sqlite.Internal;
using AgentCoherence.Testing;
using Microsoft.Extensions.Time.Testing;

namespace AgentCoherence.Sqlite.Tests;

/// <summary>
/// Waiting for the write lock: on the store's clock (a fake one here, so every wait is stepped by the
/// test), without a thread, bounded by BusyTimeout. The other connection holding the lock is a raw
/// one, as another process's would be.
/// </summary>
public sealed class SqliteBusyTests : IDisposable
{
    private static readonly AgentId A = new("alice");
    private static readonly AgentId B = new("bob");
    private static readonly ArtifactKey Plan = new("team", "plans/plan.md");

    // Only against hangs: a store that blocked its thread (or polled where it should queue) fails here instead of hanging the suite.
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(10);
    private readonly TempDirectory _directory = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));

    public void Dispose() => _directory.Dispose();

    /// <summary>
    /// Starts a commit on <paramref name="store"/> whose effect blocks until <paramref name="release"/> is set, and returns
    /// once the effect runs: from then until the release the store holds the file's write lock.
    /// </summary>
    private static Task<WriteResult> HoldWriteLockInEffect(SqliteDirectoryStore store, ManualResetEventSlim release)
    {
        using var entered = new ManualResetEventSlim();
        var holding = Task.Run(async () => await store.CommitCasWithEffectAsync(A, Plan, StoreTestExtensions.Text("v1"), 0, OperationId.New(), _ =>
        {
            entered.Set();
            release.Wait(Bound);
        }));
        Assert.True(entered.Wait(Bound));
        return holding;
    }

    private SqliteStoreOptions Options(TimeSpan busyTimeout, string name = "busy.db") => new()
    {
        Path = _directory.File(name),
        BusyTimeout = busyTimeout,
        BusyRetryDelay = RetryDelay,
    };

    [Fact]
    public async Task A_write_that_finds_the_lock_taken_waits_on_the_store_clock_and_after_BusyTimeout_throws_StoreBusyException_with_nothing_changed()
    {
        await using var store = new SqliteDirectoryStore(Options(TimeSpan.FromSeconds(2)), _time);
        await store.RegisterAgentAsync(A);
        (await store.CommitCasAsync(A, Plan, StoreTestExtensions.Text("v1"), 0)).Ok();
        var before = StoreDifferentialTests.Describe(await store.InspectAsync(Plan));

        using var other = SqliteSchemaTests.OpenRaw(store.DataSource);
        SqliteSchemaTests.Execute(other, "BEGIN IMMEDIATE");

        // The call returns while it waits: nothing blocks the caller's thread, and only the clock ends the wait.
        var commit = store.CommitCasAsync(A, Plan, StoreTestExtensions.Text("v2"), 1).AsTask();
        Assert.False(commit.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(2));
        var busy = await Assert.ThrowsAsync<StoreBusyException>(() => commit.WaitAsync(Bound));
        SqliteSchemaTests.Execute(other, "ROLLBACK");

        Assert.Equal(2, busy.Attempts);
        Assert.Equal(TimeSpan.FromSeconds(2), busy.Waited);
        Assert.Equal("CommitCas", busy.Operation);
        Assert.Equal(store.DataSource, busy.DataSource);
        Assert.Contains(store.DataSource, busy.Message, StringComparison.Ordinal);
        Assert.Contains("AgentCoherence:Sqlite:BusyTimeout", busy.Message, StringComparison.Ordinal);
        Assert.True(busy.IsRetryable);
        Assert.False(busy.MayHaveLanded);
        Assert.Equal(before, StoreDifferentialTests.Describe(await store.InspectAsync(Plan)));
        Assert.Equal(2, (await store.CommitCasAsync(A, Plan, StoreTestExtensions.Text("v2"), 1)).Ok());
    }

    [Fact]
    public async Task A_write_lock_released_during_the_wait_lets_the_operation_through_at_its_next_attempt()
    {
        await using var store = new SqliteDirectoryStore(Options(TimeSpan.FromMinutes(1)), _time);
        await store.RegisterAgentAsync(A);

        using var other = SqliteSchemaTests.OpenRaw(store.DataSource);
        SqliteSchemaTests.Execute(other, "BEGIN IMMEDIATE");
        var commit = store.CommitCasAsync(A, Plan, StoreTestExtensions.Text("v1"), 0).AsTask();
        Assert.False(commit.IsCompleted);
        SqliteSchemaTests.Execute(other, "ROLLBACK");

        // The first back-off is at most BusyRetryDelay.
        _time.Advance(RetryDelay);
        Assert.Equal(1, (await commit.WaitAsync(Bound)).Ok());
    }

    [Fact]
    public async Task With_a_zero_BusyTimeout_a_busy_write_fails_at_once_after_one_attempt()
    {
        await using var store = new SqliteDirectoryStore(Options(TimeSpan.Zero), _time);
        await store.RegisterAgentAsync(A);
        using var other = SqliteSchemaTests.OpenRaw(store.DataSource);
        SqliteSchemaTests.Execute(other, "BEGIN IMMEDIATE");

        var commit = store.CommitCasAsync(A, Plan, StoreTestExtensions.Text("v1"), 0).AsTask();
        Assert.True(commit.IsCompleted);
        var busy = await Assert.ThrowsAsync<StoreBusyException>(() => commit);
        Assert.Equal(1, busy.Attempts);
        Assert.Equal(TimeSpan.Zero, busy.Waited);
    }

    [Fact]
    public async Task Cancelling_a_write_that_waits_for_the_lock_ends_it_with_nothing_changed()
    {
        await using var store = new SqliteDirectoryStore(Options(TimeSpan.FromMinutes(1)), _time);
        await store.RegisterAgentAsync(A);
        using var other = SqliteSchemaTests.OpenRaw(store.DataSource);
        SqliteSchemaTests.Execute(other, "BEGIN IMMEDIATE");

        using var cancel = new CancellationTokenSource();
        var commit = store.CommitCasAsync(A, Plan, StoreTestExtensions.Text("v1"), 0, cancellationToken: cancel.Token).AsTask();
        Assert.False(commit.IsCompleted);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => commit.WaitAsync(Bound));
        SqliteSchemaTests.Execute(other, "ROLLBACK");

        Assert.Null(await store.InspectAsync(Plan));
    }

    [Fact]
    public async Task A_reader_in_another_connection_does_not_block_writes()
    {
        await using var store = new SqliteDirectoryStore(Options(TimeSpan.Zero), _time);
        await store.RegisterAgentAsync(A);
        (await store.CommitCasAsync(A, Plan, StoreTestExtensions.Text("v1"), 0)).Ok();

        using var reader = SqliteSchemaTests.OpenRaw(store.DataSource);
        using var transaction = reader.BeginTransaction(deferred: true);
        Assert.Equal(1L, SqliteSchemaTests.Scalar(reader, "SELECT version FROM records"));
        Assert.Equal(2, (await store.CommitCasAsync(A, Plan, StoreTestExtensions.Text("v2"), 1)).Ok());
        Assert.Equal(1L, SqliteSchemaTests.Scalar(reader, "SELECT version FROM records"));
    }

    [Fact]
    public async Task A_writer_queued_behind_another_store_of_the_process_on_the_file_goes_next_without_polling_the_lock()
    {
        await using var first = new SqliteDirectoryStore(Options(TimeSpan.FromMinutes(1)), _time);
        await using var second = new SqliteDirectoryStore(Options(TimeSpan.FromMinutes(1)), _time);
        await first.RegisterAgentAsync(A);
        await second.RegisterAgentAsync(B);

        // The first store holds the write lock while its effect runs.
        using var release = new ManualResetEventSlim();
        var holding = HoldWriteLockInEffect(first, release);

        var queued = second.CommitCasAsync(B, ArtifactKey.Of("notes.md"), StoreTestExtensions.Text("n1"), 0).AsTask();
        Assert.False(queued.IsCompleted);
        release.Set();
        Assert.Equal(1, (await holding.WaitAsync(Bound)).Ok());

        // The fake clock never moved: a writer polling SQLite would still be in its back-off.
        Assert.Equal(1, (await queued.WaitAsync(Bound)).Ok());
    }

    [Fact]
    public async Task A_writer_queued_behind_another_store_of_the_process_that_keeps_the_lock_gives_up_after_BusyTimeout()
    {
        await using var first = new SqliteDirectoryStore(Options(TimeSpan.FromMinutes(1)), _time);
        await using var second = new SqliteDirectoryStore(Options(TimeSpan.FromSeconds(3)), _time);
        await first.RegisterAgentAsync(A);
        await second.RegisterAgentAsync(B);
        using var release = new ManualResetEventSlim();
        var holding = HoldWriteLockInEffect(first, release);

        var queued = second.CommitCasAsync(B, ArtifactKey.Of("notes.md"), StoreTestExtensions.Text("n1"), 0).AsTask();
        _time.Advance(TimeSpan.FromSeconds(3));
        var busy = await Assert.ThrowsAsync<StoreBusyException>(() => queued.WaitAsync(Bound));
        Assert.Equal(0, busy.Attempts);
        Assert.Equal(TimeSpan.FromSeconds(3), busy.Waited);

        release.Set();
        Assert.Equal(1, (await holding.WaitAsync(Bound)).Ok());
        Assert.Null(await second.InspectAsync(ArtifactKey.Of("notes.md")));
    }

    [Fact]
    public async Task The_constructor_does_not_wait_for_a_database_another_connection_holds_locked_and_the_first_operation_finishes_opening()
    {
        var options = Options(TimeSpan.FromMinutes(1), "locked.db");
        using var other = SqliteSchemaTests.OpenRaw(options.Path!);
        SqliteSchemaTests.Execute(other, "BEGIN IMMEDIATE");

        // On a thread of its own only so that a constructor that waited fails at the bound instead of hanging.
        await using var store = await Task.Run(() => new SqliteDirectoryStore(options, _time)).WaitAsync(Bound);
        var register = store.RegisterAgentAsync(A).AsTask();
        Assert.False(register.IsCompleted);
        SqliteSchemaTests.Execute(other, "ROLLBACK");
        _time.Advance(RetryDelay);
        await register.WaitAsync(Bound);

        Assert.Equal(1, (await store.CommitCasAsync(A, Plan, StoreTestExtensions.Text("v1"), 0)).Ok());
        Assert.Equal(SqliteSchema.CurrentVersion, SqliteSchema.ReadVersion(other));
        Assert.Equal("wal", SqliteSchemaTests.Scalar(other, "PRAGMA journal_mode"));
    }

    [Fact]
    public async Task OpenAsync_waits_without_a_thread_for_a_locked_database_and_returns_it_open_once_the_lock_is_released()
    {
        var options = Options(TimeSpan.FromMinutes(1), "locked.db");
        using var other = SqliteSchemaTests.OpenRaw(options.Path!);
        SqliteSchemaTests.Execute(other, "BEGIN IMMEDIATE");

        var open = SqliteDirectoryStore.OpenAsync(options, _time).AsTask();
        Assert.False(open.IsCompleted);
        SqliteSchemaTests.Execute(other, "ROLLBACK");
        _time.Advance(RetryDelay);
        await using var store = await open.WaitAsync(Bound);

        Assert.Equal(SqliteSchema.CurrentVersion, SqliteSchema.ReadVersion(other));
        await store.RegisterAgentAsync(A);
        Assert.Equal(1, (await store.CommitCasAsync(A, Plan, StoreTestExtensions.Text("v1"), 0)).Ok());
    }

    [Fact]
    public async Task OpenAsync_on_a_database_locked_through_BusyTimeout_throws_StoreBusyException_naming_the_file_and_the_setting()
    {
        var options = Options(TimeSpan.FromSeconds(2), "locked.db");
        using var other = SqliteSchemaTests.OpenRaw(options.Path!);
        SqliteSchemaTests.Execute(other, "BEGIN IMMEDIATE");

        var open = SqliteDirectoryStore.OpenAsync(options, _time).AsTask();
        _time.Advance(TimeSpan.FromSeconds(2));
        var busy = await Assert.ThrowsAsync<StoreBusyException>(() => open.WaitAsync(Bound));
        Assert.Equal("Open", busy.Operation);
        Assert.Contains(options.Path!, busy.Message, StringComparison.Ordinal);
        Assert.Contains("AgentCoherence:Sqlite:BusyTimeout", busy.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dispose_ends_an_operation_waiting_for_the_lock_with_nothing_changed_and_refuses_later_calls()
    {
        var store = new SqliteDirectoryStore(Options(TimeSpan.FromMinutes(1)), _time);
        await store.RegisterAgentAsync(A);
        using var other = SqliteSchemaTests.OpenRaw(store.DataSource);
        SqliteSchemaTests.Execute(other, "BEGIN IMMEDIATE");
        var commit = store.CommitCasAsync(A, Plan, StoreTestExtensions.Text("v1"), 0).AsTask();

        // Without waiting for the lock, the clock, or the operation.
        await Task.Run(store.Dispose).WaitAsync(Bound);
        var ended = await Assert.ThrowsAsync<ObjectDisposedException>(() => commit.WaitAsync(Bound));
        Assert.Contains("nothing changed", ended.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.ReadAsync(A, Plan).AsTask().WaitAsync(Bound));

        SqliteSchemaTests.Execute(other, "ROLLBACK");
        Assert.Equal(0L, SqliteSchemaTests.Scalar(other, "SELECT count(*) FROM records"));
    }

    [Fact]
    public async Task DisposeAsync_ends_an_operation_waiting_for_the_lock_instead_of_waiting_for_it()
    {
        var store = new SqliteDirectoryStore(Options(TimeSpan.FromMinutes(1)), _time);
        await store.RegisterAgentAsync(A);
        using var other = SqliteSchemaTests.OpenRaw(store.DataSource);
        SqliteSchemaTests.Execute(other, "BEGIN IMMEDIATE");
        var commit = store.CommitCasAsync(A, Plan, StoreTestExtensions.Text("v1"), 0).AsTask();

        // The fake clock never moves and the lock is still held: only ending the wait lets DisposeAsync return.
        await store.DisposeAsync().AsTask().WaitAsync(Bound);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => commit.WaitAsync(Bound));
        SqliteSchemaTests.Execute(other, "ROLLBACK");
    }

    [Theory]
    [InlineData(20, 1, 0.0, 10)]
    [InlineData(20, 1, 0.999999, 20)]
    [InlineData(20, 3, 0.0, 40)]
    [InlineData(20, 3, 0.999999, 80)]
    [InlineData(20, 9, 0.999999, 100)]
    [InlineData(20, 1000, 0.0, 50)]
    [InlineData(500, 1, 0.999999, 500)]
    [InlineData(500, 7, 0.999999, 500)]
    [InlineData(0, 1, 0.0, 1)]
    public void The_back_off_doubles_from_BusyRetryDelay_up_to_100_ms_or_BusyRetryDelay_jittered_into_its_upper_half_and_never_under_1_ms(int firstMs, int attempt, double jitter, int expectedMs)
    {
        var delay = BusyWait.BackOff(TimeSpan.FromMilliseconds(firstMs), attempt, jitter);
        Assert.Equal(expectedMs, Math.Round(delay.TotalMilliseconds, 3));
    }
}

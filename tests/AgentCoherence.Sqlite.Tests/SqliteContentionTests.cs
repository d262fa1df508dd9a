using System.Text;
using AgentCoherence.Sqlite;

namespace AgentCoherence.Sqlite.Tests;

/// <summary>Waiting for SQLite's write lock holds no thread: many writers wait on a small thread pool and all get through.</summary>
public sealed class SqliteContentionTests : IDisposable
{
    // Bounds, not timings: a store that blocks threads never prints the line, and the test fails at the bound instead of hanging.
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Sixty_four_writers_waiting_for_a_held_write_lock_on_a_pool_capped_at_four_threads_leave_the_pool_free_and_all_complete()
    {
        var path = _directory.File("contended.db");
        var key = ArtifactKey.Of("counter");
        await using (var store = new SqliteDirectoryStore(new SqliteStoreOptions { Path = path }))
        {
            await store.RegisterAgentAsync(new AgentId("creator"));
        }

        // The worker caps its own pool (ThreadPool.SetMaxThreads, before anything runs on it) and says what the cap is.
        using var worker = WorkerProcess.Start("contend", path, "64", "counter", "4");
        Assert.Equal("OPEN 64 pool 4", await worker.WaitForLine("OPEN", Patience));
        using (var holder = SqliteSchemaTests.OpenRaw(path))
        {
            SqliteSchemaTests.Execute(holder, "BEGIN IMMEDIATE");
            worker.SendLine("go");

            // Every writer's first call is waiting for the lock, and a work item queued after that still runs:
            // with four threads, that is only possible if none of the 64 waits on a thread.
            Assert.Equal("WAITING 64", await worker.WaitForLine("WAITING", Bound));
            Assert.Equal("PROBE ran on a pool thread", await worker.WaitForLine("PROBE", Bound));
            SqliteSchemaTests.Execute(holder, "ROLLBACK");
        }

        Assert.Equal("DONE " + string.Join(' ', Enumerable.Range(1, 64)), await worker.WaitForLine("DONE", Patience));
        Assert.Equal(0, await worker.WaitForExit(Patience));

        await using var reopened = new SqliteDirectoryStore(new SqliteStoreOptions { Path = path });
        var record = (await reopened.InspectAsync(key))!;
        Assert.Equal(64, record.Version);
        Assert.Equal("64", Encoding.UTF8.GetString(record.Content!));
    }
}

using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using AgentCoherence.Sqlite;
using Xunit.Abstractions;
using AgentCoherence.Protocol;

namespace AgentCoherence.Sqlite.Tests;

/// <summary>Several OS processes sharing one database file, each with its own connections, as on a real host.</summary>
public sealed class SqliteMultiProcessTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Eight_writers_in_four_processes_each_making_250_cas_increments_end_at_exactly_2000()
    {
        var path = _directory.File("counter.db");
        var workers = Enumerable.Range(1, 4)
            .Select(p => WorkerProcess.Start("increment", path, "250", $"p{p}w1", $"p{p}w2"))
            .ToList();
        try
        {
            foreach (var worker in workers)
            {
                Assert.True(await worker.WaitForExit(Patience) == 0, worker.Transcript);
                output.WriteLine(string.Join(" | ", await worker.ReadToEnd(Patience)));
            }
        }
        finally
        {
            workers.ForEach(w => w.Dispose());
        }

        await using var store = new SqliteDirectoryStore(new SqliteStoreOptions { Path = path });
        var record = (await store.InspectAsync(ArtifactKey.Of("counter")))!;
        Assert.Equal("2000", Encoding.UTF8.GetString(record.Content!));
        Assert.Equal(2000, record.Version);
        Assert.Null(InvariantChecker.CheckRecord(record));
    }

    [Fact]
    public async Task Two_processes_recording_a_contended_run_into_one_directory_leave_files_that_merge_and_replay_clean()
    {
        var path = _directory.File("recorded.db");
        var recordings = Path.Combine(_directory.Path, "recordings");
        var workers = new[] { "alpha", "beta" }.Select(agent => WorkerProcess.Start("record", path, recordings, agent, "40")).ToList();
        await TwoProcessRecording.RunAsync(workers, Patience);

        var (merged, replay) = await TwoProcessRecording.AssertMergedAsync(recordings, 40, "alpha", "beta");
        output.WriteLine(TwoProcessRecording.Describe(merged, replay));
    }

    [Fact]
    public async Task A_zombie_grant_holder_in_one_process_is_fenced_after_another_process_reclaims_its_grant()
    {
        var path = _directory.File("zombie.db");
        var key = ArtifactKey.Of("plan.md");
        await using (var store = new SqliteDirectoryStore(new SqliteStoreOptions { Path = path }))
        {
            var creator = new AgentId("creator");
            await store.RegisterAgentAsync(creator);
            Assert.True((await store.CommitCasAsync(creator, key, ContentPayload.Create("v1"u8, 1), 0)).Succeeded);
        }

        using var zombie = WorkerProcess.Start("hold", path, "zombie", "plan.md");
        Assert.Equal("HELD v1", await zombie.WaitForLine("HELD", Patience));

        // Real time across processes: a 200 ms heartbeat timeout lets the live process reclaim the silent grant.
        using (var live = WorkerProcess.Start("reclaim", path, "writer", "plan.md", "200"))
        {
            Assert.Equal("RECLAIMED zombie heartbeat 1", await live.WaitForLine("RECLAIMED", Patience));
            Assert.Equal("COMMITTED v2", await live.WaitForLine("COMMITTED", Patience));
            Assert.Equal(0, await live.WaitForExit(Patience));
        }

        zombie.SendLine("commit");
        Assert.Equal("COMMIT StaleEpoch", await zombie.WaitForLine("COMMIT", Patience));
        Assert.Equal(0, await zombie.WaitForExit(Patience));

        await using var reopened = new SqliteDirectoryStore(new SqliteStoreOptions { Path = path });
        var record = (await reopened.InspectAsync(key))!;
        Assert.Equal(2, record.Version);
        Assert.Equal("from the live writer", Encoding.UTF8.GetString(record.Content!));
        Assert.Equal(1, record.OwnerEpoch);
        Assert.Equal(ReclaimTrigger.Heartbeat, record.Holders[new AgentId("zombie")].LastReclaim?.Trigger);
    }

    [Fact]
    public async Task A_writer_killed_with_SIGKILL_in_the_middle_of_its_transactions_leaves_a_consistent_database()
    {
        var path = _directory.File("killed.db");
        var key = ArtifactKey.Of("big.bin");
        long acknowledged = 0;
        foreach (var delay in new[] { 150, 300, 450 })
        {
            using var worker = WorkerProcess.Start("churn", path, "churner", "big.bin", (1024 * 1024).ToString(CultureInfo.InvariantCulture));
            await worker.WaitForLine("V ", Patience);
            await Task.Delay(delay);
            worker.KillHard();
            var lines = await worker.ReadToEnd(Patience);
            acknowledged = lines.Where(l => l.StartsWith("V ", StringComparison.Ordinal)).Select(l => long.Parse(l[2..], CultureInfo.InvariantCulture)).DefaultIfEmpty(acknowledged).Max();
            output.WriteLine($"killed after {delay} ms; last acknowledged v{acknowledged}");

            using (var raw = SqliteSchemaTests.OpenRaw(path))
            {
                Assert.Equal("ok", SqliteSchemaTests.Scalar(raw, "PRAGMA integrity_check"));
            }

            await using var store = new SqliteDirectoryStore(new SqliteStoreOptions { Path = path });
            var record = (await store.InspectAsync(key))!;
            Assert.Null(InvariantChecker.CheckRecord(record));
            Assert.Equal(record.ContentHash, Convert.ToHexStringLower(SHA256.HashData(record.Content!)));
            Assert.Equal(1024 * 1024, record.Content!.Length);

            // Each commit wrote its own counter into the blob: the version is the number of commits that landed.
            Assert.Equal(record.Version, long.Parse(Encoding.ASCII.GetString(record.Content, 0, 20), CultureInfo.InvariantCulture));
            Assert.True(record.Version >= acknowledged, $"v{record.Version} lost the acknowledged v{acknowledged}");
            acknowledged = record.Version;
        }
    }
}

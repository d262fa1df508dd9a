using AgentCoherence.Sqlite;
using AgentCoherence.Testing;
using Microsoft.Extensions.Time.Testing;
using static AgentCoherence.Testing.StoreTestExtensions;
using AgentCoherence.Protocol;

namespace AgentCoherence.Sqlite.Tests;

/// <summary>The effect suite on a fresh SQLite file per test, plus exclusion across two stores on one file (as across processes).</summary>
public sealed class SqliteAtomicEffectTests : AtomicEffectStoreConformanceTests
{
    private readonly TempDirectory _directory = new();

    protected override Task<IAtomicEffectStore> CreateStore(FakeTimeProvider time) =>
        Task.FromResult<IAtomicEffectStore>(Open(time));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task A_second_store_on_the_same_file_cannot_write_while_an_effect_runs_and_sees_it_undone()
    {
        await using var other = Open(Time);
        await other.RegisterAgentAsync(B);
        (await Store.CommitCasAsync(A, Plan, Text("v1"), 0)).Ok();
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var failing = Task.Run(async () => await Store.CommitCasWithEffectAsync(A, Plan, Text("v2"), 1, OperationId.New(), _ =>
        {
            entered.Set();
            release.Wait(TimeSpan.FromSeconds(30));
            throw new IOException("rename failed");
        }));
        Assert.True(entered.Wait(TimeSpan.FromSeconds(30)));

        // While the effect runs, the step holds the file's write lock: a store that does not wait is refused, nothing applied.
        await using (var impatient = new SqliteDirectoryStore(new SqliteStoreOptions { Path = _directory.File("coherence.db"), BusyTimeout = TimeSpan.Zero }, Time))
        {
            await Assert.ThrowsAsync<StoreBusyException>(async () => await impatient.CommitCasAsync(B, Plan, Text("v2 by bob"), 1));
        }

        release.Set();

        await Assert.ThrowsAsync<AtomicEffectFailedException>(async () => await failing);
        Assert.Equal(2, (await other.CommitCasAsync(B, Plan, Text("v2 by bob"), 1)).Ok());
        Assert.Equal(ContentPayload.HashHex("v2 by bob"u8), (await Store.InspectAsync(Plan))!.ContentHash);
    }

    private SqliteDirectoryStore Open(FakeTimeProvider time) =>
        new(new SqliteStoreOptions { Path = _directory.File("coherence.db") }, time);
}

using AgentCoherence.Sqlite;
using AgentCoherence.Testing;
using Microsoft.Extensions.Time.Testing;
using AgentCoherence.Protocol;

namespace AgentCoherence.Sqlite.Tests;

/// <summary>10,000 random operations per seed on the in-memory reference and on SQLite: identical results and records after every step.</summary>
public sealed class SqliteDifferentialTests : StoreDifferentialTests, IDisposable
{
    private readonly TempDirectory _directory = new();

    // synchronous NORMAL: the comparison is about state, and 40,000 fsyncs per seed would only slow it down.
    protected override Task<IDirectoryStore> CreateStore(FakeTimeProvider time) =>
        Task.FromResult<IDirectoryStore>(new SqliteDirectoryStore(
            new SqliteStoreOptions { Path = _directory.File("differential.db"), Synchronous = SqliteSynchronousMode.Normal },
            time));

    public void Dispose() => _directory.Dispose();
}

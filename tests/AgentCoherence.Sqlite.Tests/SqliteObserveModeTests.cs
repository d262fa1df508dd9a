using AgentCoherence.Testing;
using Microsoft.Extensions.Time.Testing;
using AgentCoherence.Protocol;

namespace AgentCoherence.Sqlite.Tests;

/// <summary>The observe-mode client suite on a fresh SQLite file per test.</summary>
public sealed class SqliteObserveModeTests : ObserveModeClientTests
{
    private readonly TempDirectory _directory = new();

    protected override Task<IDirectoryStore> CreateStore(FakeTimeProvider time) =>
        Task.FromResult<IDirectoryStore>(new SqliteDirectoryStore(new SqliteStoreOptions { Path = _directory.File("coherence.db") }, time));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _directory.Dispose();
    }
}

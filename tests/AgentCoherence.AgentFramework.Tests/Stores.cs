using AgentCoherence.Sqlite;

namespace AgentCoherence.AgentFramework.Tests;

/// <summary>A coherence client on one of the stores the integration is tested on.</summary>
internal sealed class Stores : IAsyncDisposable
{
    private readonly TempDirectory? _directory;
    private readonly IAsyncDisposable? _store;

    private Stores(CoherenceClient client, TempDirectory? directory, IAsyncDisposable? store)
    {
        Client = client;
        _directory = directory;
        _store = store;
    }

    public CoherenceClient Client { get; }

    public static TheoryData<string> All => new() { "memory", "sqlite" };

    public static async Task<Stores> OpenAsync(string kind)
    {
        if (kind == "memory")
        {
            return new Stores(CoherenceClient.CreateInMemory(), null, null);
        }

        var directory = new TempDirectory();
        var store = await SqliteDirectoryStore.OpenAsync(new SqliteStoreOptions { Path = directory.File("coherence.db") });
        return new Stores(new CoherenceClient(store, new InMemoryEventBus()), directory, store);
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        _directory?.Dispose();
    }
}

using Microsoft.Extensions.Time.Testing;
using Xunit;
using AgentCoherence.Protocol;

namespace AgentCoherence.Testing;

/// <summary>
/// The setup the store-parametrized client suites share: an empty store of the kind under test on a fake clock
/// (each store's test project supplies <see cref="CreateStore"/>), wrapped by a <see cref="FaultyDirectoryStore"/>
/// every client of a test goes through, disposed after the test.
/// </summary>
public abstract class FaultyStoreTestBase : IAsyncLifetime
{
    private IDirectoryStore? _inner;

    /// <summary>The clock of the store and the clients; only the test moves it.</summary>
    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));

    /// <summary>The real store, wrapped by <see cref="Faults"/>.</summary>
    protected IDirectoryStore Inner => _inner!;

    /// <summary>The fault injector every client in a test goes through.</summary>
    protected FaultyDirectoryStore Faults { get; private set; } = null!;

    /// <summary>Creates an empty store of the kind under test, using <paramref name="time"/> as its clock.</summary>
    protected abstract Task<IDirectoryStore> CreateStore(FakeTimeProvider time);

    /// <inheritdoc />
    public virtual async Task InitializeAsync()
    {
        _inner = await CreateStore(Time);
        Faults = new FaultyDirectoryStore(_inner);
    }

    /// <inheritdoc />
    public virtual async Task DisposeAsync()
    {
        if (_inner is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
    }
}

using AgentCoherence.Protocol;
using AgentCoherence.Sqlite;

namespace AgentCoherence.Cli.Simulate;

/// <summary>
/// One simulated run's <see cref="SqliteDirectoryStore"/>: a database file in a new temporary directory, on the run's
/// clock, deleted (with its directory) when the run disposes the store.
/// </summary>
/// <remarks>
/// <para>Every call completes synchronously, as the simulator requires: the store's only asynchronous paths are
/// its waits for the write lock (its <c>WriteQueue</c> turn and <c>BusyWait</c> back-off), and one store per file on
/// one thread never meets a lock. <see cref="SqliteStoreOptions.BusyTimeout"/> is zero all the same, so that a lock,
/// if one were ever met, would fail the call at once (a <see cref="StoreBusyException"/>, synchronously) instead of
/// waiting on the simulated clock.</para>
/// <para><see cref="SqliteSynchronousMode.Normal"/>: the file lives for one run, so an fsync per commit would buy
/// nothing; every statement still goes through SQLite and the file (WAL mode).</para>
/// </remarks>
internal sealed class TemporarySqliteStore : IDirectoryStore, IAsyncDisposable
{
    private readonly SqliteDirectoryStore _inner;
    private readonly DirectoryInfo _directory;

    private TemporarySqliteStore(SqliteDirectoryStore inner, DirectoryInfo directory)
    {
        _inner = inner;
        _directory = directory;
    }

    /// <summary>The database file.</summary>
    public string DataSource => _inner.DataSource;

    /// <summary>Creates the directory and the database (schema included) on <paramref name="clock"/>.</summary>
    /// <exception cref="StoreUnavailableException">The temporary directory or the database could not be created.</exception>
    public static IDirectoryStore Create(TimeProvider clock)
    {
        DirectoryInfo directory;
        try
        {
            directory = Directory.CreateTempSubdirectory("coherence-simulate-");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StoreUnavailableException("Open", null, $"The simulation's temporary SQLite database could not be created under '{Path.GetTempPath()}': {ex.Message}", ex);
        }

        try
        {
            var options = new SqliteStoreOptions
            {
                Path = Path.Combine(directory.FullName, "directory.db"),
                BusyTimeout = TimeSpan.Zero,
                Synchronous = SqliteSynchronousMode.Normal,
            };
            return new TemporarySqliteStore(new SqliteDirectoryStore(options, clock), directory);
        }
        catch
        {
            Delete(directory);
            throw;
        }
    }

    /// <inheritdoc />
    public bool SharedAcrossProcesses => ((IDirectoryStore)_inner).SharedAcrossProcesses;

    /// <inheritdoc />
    public ValueTask RegisterAgentAsync(AgentId agent, CancellationToken cancellationToken = default) => _inner.RegisterAgentAsync(agent, cancellationToken);

    /// <inheritdoc />
    public ValueTask<Refusal?> HeartbeatAsync(AgentId agent, CancellationToken cancellationToken = default) => _inner.HeartbeatAsync(agent, cancellationToken);

    /// <inheritdoc />
    public ValueTask<ReadResult> ReadAsync(AgentId agent, ArtifactKey key, long knownVersion = -1, CancellationToken cancellationToken = default) =>
        _inner.ReadAsync(agent, key, knownVersion, cancellationToken);

    /// <inheritdoc />
    public ValueTask<WriteResult> AcquireAsync(AgentId agent, ArtifactKey key, OperationId operation = default, CancellationToken cancellationToken = default) =>
        _inner.AcquireAsync(agent, key, operation, cancellationToken);

    /// <inheritdoc />
    public ValueTask<WriteResult> CommitAsync(AgentId agent, ArtifactKey key, ContentPayload content, OperationId operation = default, CancellationToken cancellationToken = default) =>
        _inner.CommitAsync(agent, key, content, operation, cancellationToken);

    /// <inheritdoc />
    public ValueTask<WriteResult> CommitCasAsync(AgentId agent, ArtifactKey key, ContentPayload content, long expectedVersion, OperationId operation = default, CancellationToken cancellationToken = default) =>
        _inner.CommitCasAsync(agent, key, content, expectedVersion, operation, cancellationToken);

    /// <inheritdoc />
    public ValueTask<CommitAllResult> CommitAllAsync(AgentId agent, IReadOnlyList<BatchMember> members, OperationId operation = default, CancellationToken cancellationToken = default) =>
        _inner.CommitAllAsync(agent, members, operation, cancellationToken);

    /// <inheritdoc />
    public ValueTask<WriteResult> DeleteAsync(AgentId agent, ArtifactKey key, long? expectedVersion, OperationId operation = default, CancellationToken cancellationToken = default) =>
        _inner.DeleteAsync(agent, key, expectedVersion, operation, cancellationToken);

    /// <inheritdoc />
    public ValueTask<WriteResult> OverrideAsync(AgentId agent, ArtifactKey key, ContentPayload? content, OperationId operation = default, CancellationToken cancellationToken = default) =>
        _inner.OverrideAsync(agent, key, content, operation, cancellationToken);

    /// <inheritdoc />
    public ValueTask<bool> ReleaseAsync(AgentId agent, ArtifactKey key, OperationId operation = default, CancellationToken cancellationToken = default) =>
        _inner.ReleaseAsync(agent, key, operation, cancellationToken);

    /// <inheritdoc />
    public ValueTask<bool> ForgetAsync(AgentId agent, CancellationToken cancellationToken = default) => _inner.ForgetAsync(agent, cancellationToken);

    /// <inheritdoc />
    public ValueTask<SweepResult> SweepAsync(SweepPolicy policy, CancellationToken cancellationToken = default) => _inner.SweepAsync(policy, cancellationToken);

    /// <inheritdoc />
    public ValueTask<DirectoryRecord?> InspectAsync(ArtifactKey key, CancellationToken cancellationToken = default) => _inner.InspectAsync(key, cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<DirectoryRecord> ListRecordsAsync(CancellationToken cancellationToken = default) => _inner.ListRecordsAsync(cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<AgentHeartbeat> ListAgentsAsync(CancellationToken cancellationToken = default) => _inner.ListAgentsAsync(cancellationToken);

    /// <summary>Closes the database, then deletes its directory (the file, and its WAL and shared-memory files if left).</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _inner.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            Delete(_directory);
        }
    }

    private static void Delete(DirectoryInfo directory)
    {
        try
        {
            directory.Delete(recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A temporary directory left behind is not worth failing a finished run for.
        }
    }
}

using System.Diagnostics;
using System.Runtime.CompilerServices;
using AgentCoherence.Sqlite.Internal;
using Microsoft.Data.Sqlite;
using AgentCoherence.Protocol;

namespace AgentCoherence.Sqlite;

/// <summary>
/// The directory store in one SQLite file that several processes on one host share with no server.
/// Every operation is one <c>BEGIN IMMEDIATE</c> transaction: it loads the records, holder entries and
/// heartbeats it touches (and, for a write with an <see cref="OperationId"/>, the agent's recorded
/// operation with that id) into a <see cref="DirectoryState"/>, applies the same
/// <see cref="CoherenceRules"/> step the in-memory store applies, writes back what changed (and the
/// operation the rules recorded, trimming the agent's log), and commits. SQLite's write lock makes the
/// step atomic across processes; nothing of the protocol is re-implemented in SQL. A retry with the
/// same operation id gets the recorded result from any instance on the file, since the log is in it.
/// </summary>
/// <remarks>
/// <para>Waiting for the write lock holds no thread. SQLite answers a locked database at once (its busy
/// timeout is zero); the operation then awaits a jittered, doubling back-off (from
/// <see cref="SqliteStoreOptions.BusyRetryDelay"/>) on the store's <see cref="TimeProvider"/> and tries
/// again, and the stores of one process writing the same file queue for it asynchronously, in order.
/// An operation that has waited <see cref="SqliteStoreOptions.BusyTimeout"/> in all throws
/// <see cref="StoreBusyException"/> with nothing changed. The statements themselves run synchronously
/// (SQLite has no asynchronous I/O); a commit with <see cref="SqliteSynchronousMode.Full"/> waits for
/// its fsync.</para>
/// <para>One instance serializes its own callers (one connection); several instances, in one process or
/// many, coordinate through the file. A side effect (<see cref="IAtomicEffectStore"/>) runs inside the
/// transaction after the changes are written and before <c>COMMIT</c>; if it throws, the transaction
/// rolls back.</para>
/// <para>Open it with <see cref="OpenAsync"/>, which waits (asynchronously) for a database another
/// connection has locked. The constructor never waits: it tries each opening step once, and leaves
/// any that found the database locked to the first operation.</para>
/// </remarks>
public sealed class SqliteDirectoryStore : IAtomicEffectStore, IDisposable, IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<InvalidationSignal> _signals = [];
    private readonly SqliteStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly CoherenceRules _rules = CoherenceRules.Default;
    private readonly StoreConnection _db;
    private readonly WriteQueue _queue;
    private readonly CancellationTokenSource _closing = new();
    private volatile bool _disposeRequested;
    private bool _disposed;

    /// <summary>
    /// Creates the store on the database the options name, creating the file when needed, without
    /// waiting: each opening step (WAL mode, creating or migrating the schema) is tried once, and one
    /// that finds the database locked by another connection is finished by the first operation, which
    /// waits for it like for any write. <see cref="OpenAsync"/> finishes opening before it returns.
    /// </summary>
    /// <param name="options">Where the database is and how to wait for it.</param>
    /// <param name="timeProvider">The clock for grant, commit and heartbeat times, and for the back-off while the database is busy;
    /// <see cref="TimeProvider.System"/> when null. Processes sharing one file must share one clock (the host's), so leave it null
    /// outside tests. Under a fake clock a busy operation waits until the clock is advanced.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    /// <exception cref="StoreUnavailableException">SQLite could not open the file.</exception>
    /// <exception cref="InvalidOperationException">The database was written by a newer release, or SQLite refused WAL mode.</exception>
    public SqliteDirectoryStore(SqliteStoreOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (SqliteStoreOptionsValidator.Collect(options).FirstOrDefault() is { } error)
        {
            throw new ArgumentException(error, nameof(options));
        }

        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        var builder = options.ConnectionString is { } connectionString
            ? new SqliteConnectionStringBuilder(connectionString)
            : new SqliteConnectionStringBuilder { DataSource = options.Path };
        var plainFile = DatabaseFile.IsPlainFile(builder);
        if (plainFile)
        {
            builder.DataSource = DatabaseFile.Prepare(builder.DataSource);
        }

        // The store keeps one connection for its lifetime; a pool would only keep the file open after Dispose.
        builder.Pooling = false;

        // Microsoft.Data.Sqlite retries a busy statement itself, sleeping on the thread, until this many
        // seconds pass. Every statement that can meet a lock is stepped directly (see RawStatement), so
        // this is only a backstop; one second is the shortest there is (zero would mean no limit).
        builder.DefaultTimeout = 1;
        DataSource = builder.DataSource;
        _db = new StoreConnection(builder.ToString(), DataSource, options.Synchronous);
        _queue = WriteQueue.Join(plainFile ? DataSource : null);
        try
        {
            // Opening may migrate, which writes: it takes this process's turn on the file like a write,
            // but only if the turn is free now.
            if (_queue.TryEnter())
            {
                try
                {
                    _db.TryOpen(out _);
                }
                finally
                {
                    _queue.Exit();
                }
            }
        }
        catch
        {
            _db.Dispose();
            _queue.Leave();
            throw;
        }
    }

    /// <summary>
    /// Opens the store on the database the options name (creating and migrating it when needed), waiting
    /// without a thread while another connection holds the database locked, up to
    /// <see cref="SqliteStoreOptions.BusyTimeout"/>.
    /// </summary>
    /// <param name="options">Where the database is and how to wait for it.</param>
    /// <param name="timeProvider">As for the constructor: <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The open store; dispose it.</returns>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    /// <exception cref="StoreBusyException">The database stayed locked through <see cref="SqliteStoreOptions.BusyTimeout"/>.</exception>
    /// <exception cref="StoreUnavailableException">SQLite could not open the file.</exception>
    /// <exception cref="InvalidOperationException">The database was written by a newer release, or SQLite refused WAL mode.</exception>
    public static async ValueTask<SqliteDirectoryStore> OpenAsync(SqliteStoreOptions options, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        var store = new SqliteDirectoryStore(options, timeProvider);
        try
        {
            await store.Run<bool>("Open", cancellationToken, load: null, step: null).ConfigureAwait(false);
            return store;
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    // How many records or agents one read transaction of a listing reads.
    private const int ListPageSize = 256;

    /// <summary>The database file (full path), or the data source as given for memory and URI databases.</summary>
    public string DataSource { get; }

    /// <inheritdoc />
    public async ValueTask RegisterAgentAsync(AgentId agent, CancellationToken cancellationToken = default) =>
        await Run("Register", cancellationToken, state =>
        {
            Tables.LoadAgent(state, agent);
            return state;
        }, (state, now) =>
        {
            _rules.Register(state.State, agent, now);
            return true;
        }).ConfigureAwait(false);

    /// <inheritdoc />
    public ValueTask<Refusal?> HeartbeatAsync(AgentId agent, CancellationToken cancellationToken = default) =>
        Run("Heartbeat", cancellationToken, state =>
        {
            Tables.LoadAgent(state, agent);
            return state;
        }, (state, now) => _rules.Heartbeat(state.State, agent, now));

    /// <inheritdoc />
    public ValueTask<ReadResult> ReadAsync(AgentId agent, ArtifactKey key, long knownVersion = -1, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Run("Read", cancellationToken, state =>
        {
            Tables.LoadAgent(state, agent);
            Tables.LoadRecord(state, key, DirectoryTables.Content.UnlessKnown, knownVersion);
            return state;
        }, (state, _) => _rules.Read(state.State, agent, key, knownVersion));
    }

    /// <inheritdoc />
    public ValueTask<WriteResult> AcquireAsync(AgentId agent, ArtifactKey key, OperationId operation = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Run("Acquire", cancellationToken, state => LoadOne(state, agent, key, operation), (state, now) => _rules.Acquire(state.State, agent, key, now, operation));
    }

    /// <inheritdoc />
    public ValueTask<WriteResult> CommitAsync(AgentId agent, ArtifactKey key, ContentPayload content, OperationId operation = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(content);
        return Run("Commit", cancellationToken, state => LoadOne(state, agent, key, operation), (state, now) => _rules.Commit(state.State, agent, key, content, now, _signals, operation));
    }

    /// <inheritdoc />
    public ValueTask<WriteResult> CommitCasAsync(AgentId agent, ArtifactKey key, ContentPayload content, long expectedVersion, OperationId operation = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(content);
        return Run("CommitCas", cancellationToken, state => LoadOne(state, agent, key, operation),
            (state, now) => _rules.CommitCas(state.State, agent, key, content, expectedVersion, now, _signals, operation));
    }

    /// <inheritdoc />
    public ValueTask<CommitAllResult> CommitAllAsync(AgentId agent, IReadOnlyList<BatchMember> members, OperationId operation = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(members);

        // A malformed batch is refused before the write lock is taken (the rules check it again inside).
        CoherenceRules.CheckBatch(members);
        return Run("CommitAll", cancellationToken, state =>
        {
            Tables.LoadOperation(state, agent, operation);
            Tables.LoadAgent(state, agent);
            foreach (var member in members)
            {
                Tables.LoadRecord(state, member.Key);
            }

            return state;
        }, (state, now) => _rules.CommitAll(state.State, agent, members, now, _signals, operation));
    }

    /// <inheritdoc />
    public ValueTask<WriteResult> DeleteAsync(AgentId agent, ArtifactKey key, long? expectedVersion, OperationId operation = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Run("Delete", cancellationToken, state => LoadOne(state, agent, key, operation), (state, now) => expectedVersion is { } expected
            ? _rules.DeleteCas(state.State, agent, key, expected, now, _signals, operation)
            : _rules.Delete(state.State, agent, key, now, _signals, operation));
    }

    /// <inheritdoc />
    public ValueTask<WriteResult> OverrideAsync(AgentId agent, ArtifactKey key, ContentPayload? content, OperationId operation = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Run("Override", cancellationToken, state => LoadOne(state, agent, key, operation), (state, now) => _rules.Override(state.State, agent, key, content, now, _signals, operation));
    }

    /// <inheritdoc />
    public ValueTask<bool> ReleaseAsync(AgentId agent, ArtifactKey key, OperationId operation = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Run("Release", cancellationToken, state => LoadOne(state, agent, key, operation), (state, _) => _rules.Release(state.State, agent, key, operation));
    }

    /// <inheritdoc />
    public ValueTask<bool> ForgetAsync(AgentId agent, CancellationToken cancellationToken = default) =>
        Run("Forget", cancellationToken, state =>
        {
            Tables.LoadAgent(state, agent);
            foreach (var key in Tables.KeysOf(agent))
            {
                Tables.LoadRecord(state, key);
            }

            return state;
        }, (state, _) =>
        {
            state.ForgetOperations(agent);
            return _rules.Forget(state.State, agent);
        });

    /// <inheritdoc />
    public ValueTask<SweepResult> SweepAsync(SweepPolicy policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var now = default(DateTimeOffset);
        return Run("Sweep", cancellationToken, state =>
        {
            now = _time.GetUtcNow();
            foreach (var key in Tables.SweepCandidates(policy, now))
            {
                Tables.LoadRecord(state, key);
            }

            foreach (var record in state.State.Records.Values)
            {
                foreach (var agent in record.Holders.Keys)
                {
                    Tables.LoadAgent(state, agent);
                }
            }

            return state;
        }, (state, _) => _rules.Sweep(state.State, policy, now, _signals));
    }

    /// <inheritdoc />
    public ValueTask<DirectoryRecord?> InspectAsync(ArtifactKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Run("Inspect", cancellationToken, state =>
        {
            Tables.LoadRecord(state, key, DirectoryTables.Content.All);
            return state;
        }, (state, _) => state.State.Records.GetValueOrDefault(key), write: false);
    }

    /// <inheritdoc />
    /// <remarks>
    /// In pages of 256 records in store key order, each page one read transaction, which in
    /// WAL mode never blocks a writer.
    /// </remarks>
    public async IAsyncEnumerable<DirectoryRecord> ListRecordsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var after = string.Empty;
        while (true)
        {
            List<ArtifactKey> keys = [];
            var page = await Run("ListRecords", cancellationToken, state =>
            {
                keys = Tables.RecordKeysAfter(after, ListPageSize);
                foreach (var key in keys)
                {
                    Tables.LoadRecord(state, key);
                }

                return state;
            }, (state, _) => keys.Select(key => state.State.Records[key]).ToList(), write: false).ConfigureAwait(false);
            foreach (var record in page)
            {
                yield return record;
            }

            if (page.Count < ListPageSize)
            {
                yield break;
            }

            after = page[^1].Key.StoreKey;
        }
    }

    /// <inheritdoc />
    /// <remarks>In pages of 256 agents in id order, each page one read transaction.</remarks>
    public async IAsyncEnumerable<AgentHeartbeat> ListAgentsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var after = string.Empty;
        while (true)
        {
            var page = await Run("ListAgents", cancellationToken, state => state, (_, _) => Tables.AgentsAfter(after, ListPageSize), write: false).ConfigureAwait(false);
            foreach (var agent in page)
            {
                yield return agent;
            }

            if (page.Count < ListPageSize)
            {
                yield break;
            }

            after = page[^1].Agent.Value;
        }
    }

    /// <inheritdoc />
    public ValueTask<WriteResult> CommitWithEffectAsync(AgentId agent, ArtifactKey key, ContentPayload content, OperationId operation, Action<WriteResult> effect, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(effect);
        var replay = false;
        return Run("Commit", cancellationToken, state => LoadOne(state, agent, key, operation), (state, now) =>
        {
            replay = IsReplay(state, agent, operation);
            return _rules.Commit(state.State, agent, key, content, now, _signals, operation);
        }, effect: result =>
        {
            if (result.Succeeded && !replay)
            {
                AtomicEffectFailedException.Run("Commit", key, effect, result);
            }
        });
    }

    /// <inheritdoc />
    public ValueTask<WriteResult> CommitCasWithEffectAsync(AgentId agent, ArtifactKey key, ContentPayload content, long expectedVersion, OperationId operation, Action<WriteResult> effect, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(effect);
        var replay = false;
        return Run("CommitCas", cancellationToken, state => LoadOne(state, agent, key, operation), (state, now) =>
        {
            replay = IsReplay(state, agent, operation);
            return _rules.CommitCas(state.State, agent, key, content, expectedVersion, now, _signals, operation);
        }, effect: result =>
        {
            if (result.Succeeded && !replay)
            {
                AtomicEffectFailedException.Run("CommitCas", key, effect, result);
            }
        });
    }

    /// <inheritdoc />
    public ValueTask<WriteResult> OverrideWithEffectAsync(AgentId agent, ArtifactKey key, ContentPayload? content, OperationId operation, Action<WriteResult> effect, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(effect);
        var replay = false;
        return Run("Override", cancellationToken, state => LoadOne(state, agent, key, operation), (state, now) =>
        {
            replay = IsReplay(state, agent, operation);
            return _rules.Override(state.State, agent, key, content, now, _signals, operation);
        }, effect: result =>
        {
            if (result.Succeeded && !replay)
            {
                AtomicEffectFailedException.Run("Override", key, effect, result);
            }
        });
    }

    /// <inheritdoc />
    public ValueTask<CommitAllResult> CommitAllWithEffectAsync(AgentId agent, IReadOnlyList<BatchMember> members, OperationId operation, Action<CommitAllResult> effect, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(members);
        ArgumentNullException.ThrowIfNull(effect);
        CoherenceRules.CheckBatch(members);
        var replay = false;
        return Run("CommitAll", cancellationToken, state =>
        {
            Tables.LoadOperation(state, agent, operation);
            Tables.LoadAgent(state, agent);
            foreach (var member in members)
            {
                Tables.LoadRecord(state, member.Key);
            }

            return state;
        }, (state, now) =>
        {
            replay = IsReplay(state, agent, operation);
            return _rules.CommitAll(state.State, agent, members, now, _signals, operation);
        }, effect: result =>
        {
            if (result.Committed && !replay)
            {
                AtomicEffectFailedException.Run("CommitAll", members[0].Key, effect, result);
            }
        });
    }

    /// <inheritdoc />
    /// <remarks>The effect runs inside a <c>BEGIN IMMEDIATE</c> transaction that writes nothing: every other process's writes wait for it.</remarks>
    public ValueTask<T> InspectWithEffectAsync<T>(ArtifactKey key, Func<DirectoryRecord?, T> effect, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(effect);
        return Run("Inspect", cancellationToken, state =>
        {
            Tables.LoadRecord(state, key, DirectoryTables.Content.All);
            return state;
        }, (state, _) => AtomicEffectFailedException.Run("Inspect", key, effect, state.State.Records.GetValueOrDefault(key)?.Clone()));
    }

    /// <summary>
    /// Closes the connection without waiting: at once when no operation is running, otherwise as soon as
    /// the one running its statements finishes. An operation waiting for the write lock, and those that
    /// had not started, fail with <see cref="ObjectDisposedException"/>, nothing changed.
    /// </summary>
    public void Dispose()
    {
        RequestClose();
        CloseIfIdle();
    }

    /// <summary>
    /// Closes the connection once the operation running its statements (if any) finishes. An operation
    /// waiting for the write lock, and those that had not started, fail with <see cref="ObjectDisposedException"/>, nothing changed.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        RequestClose();
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            CloseOnce();
        }
        finally
        {
            _gate.Release();
        }
    }

    private void RequestClose()
    {
        if (_disposeRequested)
        {
            return;
        }

        _disposeRequested = true;
        _closing.Cancel();
    }

    // Only ever under the gate.
    private void CloseOnce()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _db.Dispose();
        _queue.Leave();
        _closing.Dispose();
    }

    // Whoever takes the gate after disposal was requested closes: Dispose when no operation runs, else
    // the operation on its way out (it checks after releasing, so one of the two always sees the other).
    private void CloseIfIdle()
    {
        if (_disposeRequested && _gate.Wait(0))
        {
            try
            {
                CloseOnce();
            }
            finally
            {
                _gate.Release();
            }
        }
    }

    private LoadedState LoadOne(LoadedState state, AgentId agent, ArtifactKey key, OperationId operation)
    {
        Tables.LoadOperation(state, agent, operation);
        Tables.LoadAgent(state, agent);
        Tables.LoadRecord(state, key);
        return state;
    }

    private DirectoryTables Tables => _db.Tables;

    // A write the agent had applied before (a retry with the same id): the rules return the recorded
    // result and the effect, which ran in the original step, must not run again.
    private static bool IsReplay(LoadedState state, AgentId agent, OperationId operation) =>
        state.State.Operations.Find(agent, operation) is not null;

    /// <summary>
    /// One operation: finish opening if the constructor could not; then one transaction (write: BEGIN
    /// IMMEDIATE, after this process's earlier writers on the file; else a read snapshot), load, apply
    /// the rules, save what changed, run the caller's <paramref name="effect"/> (if any), commit. A busy
    /// database rolls the attempt back and tries again after a back-off (<see cref="BusyWait"/>), up to
    /// the configured bound; an effect that throws rolls it back for good. With no
    /// <paramref name="step"/> it only opens.
    /// </summary>
    private async ValueTask<T> Run<T>(string operation, CancellationToken cancellationToken, Func<LoadedState, LoadedState>? load, Func<LoadedState, DateTimeOffset, T>? step, bool write = true, Action<T>? effect = null)
    {
        // Refused at once after Dispose, rather than after the operation in flight.
        ObjectDisposedException.ThrowIf(_disposeRequested, this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        BusyWait? wait = null;
        try
        {
            ObjectDisposedException.ThrowIf(_disposed || _disposeRequested, this);
            var started = _time.GetTimestamp();
            Exception? busy;

            // Writes take this process's turn on the file first, and so does opening, which may migrate.
            var queued = false;
            try
            {
                if (write || !_db.IsReady)
                {
                    if (!_queue.TryEnter())
                    {
                        wait = new BusyWait(_time, _options, DataSource, operation, started, cancellationToken, _closing.Token);
                        await wait.EnterAsync(_queue).ConfigureAwait(false);
                    }

                    queued = true;
                }

                while (!_db.TryOpen(out busy))
                {
                    wait ??= new BusyWait(_time, _options, DataSource, operation, started, cancellationToken, _closing.Token);
                    await wait.AfterBusyAsync(busy).ConfigureAwait(false);
                }

                if (step is null)
                {
                    return default!;
                }

                if (queued && !write)
                {
                    _queue.Exit();
                    queued = false;
                }

                T result;
                while (!TryStep(write, load!, step, effect, out result, out busy))
                {
                    wait ??= new BusyWait(_time, _options, DataSource, operation, started, cancellationToken, _closing.Token);
                    await wait.AfterBusyAsync(busy).ConfigureAwait(false);
                }

                return result;
            }
            finally
            {
                if (queued)
                {
                    _queue.Exit();
                }
            }
        }
        finally
        {
            wait?.Dispose();
            _gate.Release();
            CloseIfIdle();
        }
    }

    /// <summary>One attempt, without waiting: false (with nothing changed) when the database was busy.</summary>
    private bool TryStep<T>(bool write, Func<LoadedState, LoadedState> load, Func<LoadedState, DateTimeOffset, T> step, Action<T>? effect, out T result, out Exception? busy)
    {
        result = default!;
        busy = null;
        var rc = write ? _db.BeginWrite() : _db.BeginRead();
        if (StoreConnection.IsBusy(rc))
        {
            return false;
        }

        _db.Check(rc);
        try
        {
            var state = load(new LoadedState());
            _signals.Clear();
            result = step(state, _time.GetUtcNow());
            if (write)
            {
                AssertInvariants(state);
                Tables.Save(state);
            }

            // Last before COMMIT, so no failure of ours can follow it; a failed COMMIT after it
            // is the caller's crash case (the effect happened, the step did not).
            effect?.Invoke(result);
            _db.Commit();
            return true;
        }
        catch (SqliteException ex) when (StoreConnection.IsBusy(ex.SqliteErrorCode))
        {
            _db.RollbackIfOpen();
            busy = ex;
            return false;
        }
        catch
        {
            _db.RollbackIfOpen();
            throw;
        }
    }

    [Conditional("COHERENCE_INVARIANTS")]
    private static void AssertInvariants(LoadedState state)
    {
        foreach (var (key, record) in state.State.Records)
        {
            InvariantChecker.Assert(record);
            if (InvariantChecker.CheckVersionStep(key, state.OnDisk(key)?.Version ?? 0, record.Version) is { } violation)
            {
                throw new InvariantViolationException(violation);
            }
        }
    }
}

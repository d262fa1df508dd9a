using System.Diagnostics;
using System.Runtime.CompilerServices;
using AgentCoherence.Sqlite.Internal;
using Microsoft.Data.Sqlite;
using SQLitePCL;
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
/// The file is opened in WAL mode with a busy timeout; an operation that finds the write lock taken
/// waits up to <see cref="SqliteStoreOptions.BusyTimeout"/>, retries up to
/// <see cref="SqliteStoreOptions.MaxBusyRetries"/> times, then throws <see cref="StoreBusyException"/>
/// with nothing changed. One instance serializes its own callers (one connection); several instances,
/// in one process or many, coordinate through the file. A side effect (<see cref="IAtomicEffectStore"/>) runs
/// inside the transaction after the changes are written and before <c>COMMIT</c>; if it throws, the
/// transaction rolls back.
/// </remarks>
public sealed class SqliteDirectoryStore : IAtomicEffectStore, IDisposable, IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<InvalidationSignal> _signals = [];
    private readonly SqliteStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly CoherenceRules _rules = CoherenceRules.Default;
    private readonly SqliteConnection _connection;
    private readonly DirectoryTables _tables;
    private readonly RawStatement _beginWrite;
    private readonly RawStatement _beginRead;
    private readonly RawStatement _commit;
    private readonly RawStatement _rollback;
    private bool _disposed;

    /// <summary>Opens (creating and migrating when needed) the database the options name.</summary>
    /// <param name="options">Where the database is and how to wait for it.</param>
    /// <param name="timeProvider">The clock for grant, commit and heartbeat times; <see cref="TimeProvider.System"/> when null.
    /// Processes sharing one file must share one clock (the host's), so leave it null outside tests.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    /// <exception cref="StoreBusyException">The database stayed locked through every attempt to open it.</exception>
    /// <exception cref="InvalidOperationException">The database was written by a newer release.</exception>
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
        if (DatabaseFile.IsPlainFile(builder))
        {
            builder.DataSource = DatabaseFile.Prepare(builder.DataSource);
        }

        // The store keeps one connection for its lifetime; a pool would only keep the file open after Dispose.
        builder.Pooling = false;

        // Microsoft.Data.Sqlite retries busy statements itself until this many seconds pass; the
        // write lock is taken by BEGIN IMMEDIATE outside that loop, so this only bounds rare cases
        // such as WAL recovery after a crash.
        builder.DefaultTimeout = Math.Max(1, (int)Math.Ceiling(options.BusyTimeout.TotalSeconds));
        DataSource = builder.DataSource;
        _connection = new SqliteConnection(builder.ToString());
        try
        {
            _connection.Open();
            Check(Exec($"PRAGMA busy_timeout = {(int)options.BusyTimeout.TotalMilliseconds}"));
            RetryWhileBusy("Open", () =>
            {
                using var command = _connection.CreateCommand();
                command.CommandText = "PRAGMA journal_mode = WAL";
                var mode = command.ExecuteScalar() as string;
                if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase) && !string.Equals(mode, "memory", StringComparison.OrdinalIgnoreCase))
                {
                    throw new InvalidOperationException($"SQLite refused WAL mode for '{DataSource}' (journal mode is '{mode}').");
                }
            });
            Check(Exec($"PRAGMA synchronous = {(options.Synchronous == SqliteSynchronousMode.Normal ? "NORMAL" : "FULL")}"));
            Check(Exec("PRAGMA foreign_keys = ON"));
            RetryWhileBusy("Migrate", () =>
            {
                Check(Exec("BEGIN IMMEDIATE"));
                try
                {
                    SqliteSchema.Migrate(_connection);
                    Check(Exec("COMMIT"));
                }
                catch
                {
                    RollbackIfOpen();
                    throw;
                }
            });
            _tables = new DirectoryTables(_connection);
            _beginWrite = new RawStatement(_connection, "BEGIN IMMEDIATE");
            _beginRead = new RawStatement(_connection, "BEGIN");
            _commit = new RawStatement(_connection, "COMMIT");
            _rollback = new RawStatement(_connection, "ROLLBACK");
        }
        catch
        {
            _connection.Dispose();
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
            _tables.LoadAgent(state, agent);
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
            _tables.LoadAgent(state, agent);
            return state;
        }, (state, now) => _rules.Heartbeat(state.State, agent, now));

    /// <inheritdoc />
    public ValueTask<ReadResult> ReadAsync(AgentId agent, ArtifactKey key, long knownVersion = -1, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Run("Read", cancellationToken, state =>
        {
            _tables.LoadAgent(state, agent);
            _tables.LoadRecord(state, key, DirectoryTables.Content.UnlessKnown, knownVersion);
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
            _tables.LoadOperation(state, agent, operation);
            _tables.LoadAgent(state, agent);
            foreach (var member in members)
            {
                _tables.LoadRecord(state, member.Key);
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
    public ValueTask<bool> ReleaseAsync(AgentId agent, ArtifactKey key, OperationId operation = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Run("Release", cancellationToken, state => LoadOne(state, agent, key, operation), (state, _) => _rules.Release(state.State, agent, key, operation));
    }

    /// <inheritdoc />
    public ValueTask<bool> ForgetAsync(AgentId agent, CancellationToken cancellationToken = default) =>
        Run("Forget", cancellationToken, state =>
        {
            _tables.LoadAgent(state, agent);
            foreach (var key in _tables.KeysOf(agent))
            {
                _tables.LoadRecord(state, key);
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
            foreach (var key in _tables.SweepCandidates(policy, now))
            {
                _tables.LoadRecord(state, key);
            }

            foreach (var record in state.State.Records.Values)
            {
                foreach (var agent in record.Holders.Keys)
                {
                    _tables.LoadAgent(state, agent);
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
            _tables.LoadRecord(state, key, DirectoryTables.Content.All);
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
                keys = _tables.RecordKeysAfter(after, ListPageSize);
                foreach (var key in keys)
                {
                    _tables.LoadRecord(state, key);
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
            var page = await Run("ListAgents", cancellationToken, state => state, (_, _) => _tables.AgentsAfter(after, ListPageSize), write: false).ConfigureAwait(false);
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
    public ValueTask<CommitAllResult> CommitAllWithEffectAsync(AgentId agent, IReadOnlyList<BatchMember> members, OperationId operation, Action<CommitAllResult> effect, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(members);
        ArgumentNullException.ThrowIfNull(effect);
        CoherenceRules.CheckBatch(members);
        var replay = false;
        return Run("CommitAll", cancellationToken, state =>
        {
            _tables.LoadOperation(state, agent, operation);
            _tables.LoadAgent(state, agent);
            foreach (var member in members)
            {
                _tables.LoadRecord(state, member.Key);
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
            _tables.LoadRecord(state, key, DirectoryTables.Content.All);
            return state;
        }, (state, _) => AtomicEffectFailedException.Run("Inspect", key, effect, state.State.Records.GetValueOrDefault(key)?.Clone()));
    }

    /// <summary>Closes the connection. Operations in flight finish first.</summary>
    public void Dispose()
    {
        _gate.Wait();
        try
        {
            CloseOnce();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Closes the connection. Operations in flight finish first.</summary>
    public async ValueTask DisposeAsync()
    {
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

    private void CloseOnce()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _beginWrite.Dispose();
        _beginRead.Dispose();
        _commit.Dispose();
        _rollback.Dispose();
        _tables.Dispose();
        _connection.Dispose();
    }

    private LoadedState LoadOne(LoadedState state, AgentId agent, ArtifactKey key, OperationId operation)
    {
        _tables.LoadOperation(state, agent, operation);
        _tables.LoadAgent(state, agent);
        _tables.LoadRecord(state, key);
        return state;
    }

    // A write the agent had applied before (a retry with the same id): the rules return the recorded
    // result and the effect, which ran in the original step, must not run again.
    private static bool IsReplay(LoadedState state, AgentId agent, OperationId operation) =>
        state.State.Operations.Find(agent, operation) is not null;

    /// <summary>
    /// One operation: one transaction (write: BEGIN IMMEDIATE; else a read snapshot), load, apply the
    /// rules, save what changed, run the caller's <paramref name="effect"/> (if any), commit. A busy
    /// database rolls the attempt back and tries again, up to the configured bound; an effect that
    /// throws rolls it back for good.
    /// </summary>
    private async ValueTask<T> Run<T>(string operation, CancellationToken cancellationToken, Func<LoadedState, LoadedState> load, Func<LoadedState, DateTimeOffset, T> step, bool write = true, Action<T>? effect = null)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var started = Stopwatch.GetTimestamp();
            for (var attempt = 1; ; attempt++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                SqliteException? busy;
                var rc = (write ? _beginWrite : _beginRead).Run();
                if (IsBusy(rc))
                {
                    busy = null;
                }
                else
                {
                    Check(rc);
                    try
                    {
                        var state = load(new LoadedState());
                        _signals.Clear();
                        var result = step(state, _time.GetUtcNow());
                        if (write)
                        {
                            AssertInvariants(state);
                            _tables.Save(state);
                        }

                        // Last before COMMIT, so no failure of ours can follow it; a failed COMMIT after it
                        // is the caller's crash case (the effect happened, the step did not).
                        effect?.Invoke(result);
                        Check(_commit.Run());
                        return result;
                    }
                    catch (SqliteException ex) when (IsBusy(ex.SqliteErrorCode))
                    {
                        RollbackIfOpen();
                        busy = ex;
                    }
                    catch
                    {
                        RollbackIfOpen();
                        throw;
                    }
                }

                if (attempt > _options.MaxBusyRetries)
                {
                    throw new StoreBusyException(DataSource, operation, attempt, Stopwatch.GetElapsedTime(started), busy);
                }

                await Task.Delay(BackOff(attempt), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private void RetryWhileBusy(string operation, Action action)
    {
        var started = Stopwatch.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                action();
                return;
            }
            catch (SqliteException ex) when (IsBusy(ex.SqliteErrorCode))
            {
                if (attempt > _options.MaxBusyRetries)
                {
                    throw new StoreBusyException(DataSource, operation, attempt, Stopwatch.GetElapsedTime(started), ex);
                }

                Thread.Sleep(BackOff(attempt));
            }
        }
    }

    // Real time, not the store's TimeProvider: the wait is for another process, which a test clock does not move.
    private TimeSpan BackOff(int attempt)
    {
        var cap = _options.BusyRetryDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 10));
        return TimeSpan.FromMilliseconds((cap / 2) + (Random.Shared.NextDouble() * cap / 2));
    }

    // Straight to SQLite, for the same reason as RawStatement: its busy handler is the only wait.
    private int Exec(string sql) => raw.sqlite3_exec(_connection.Handle, sql);

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, _connection.Handle);
        }
    }

    private void RollbackIfOpen()
    {
        if (raw.sqlite3_get_autocommit(_connection.Handle) == 0)
        {
            // The statements prepared before it (during Open) are not there yet when migrating.
            if (_rollback is not null)
            {
                _rollback.Run();
            }
            else
            {
                Exec("ROLLBACK");
            }
        }
    }

    private static bool IsBusy(int rc) => (rc & 0xFF) is raw.SQLITE_BUSY or raw.SQLITE_LOCKED;

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

using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace AgentCoherence.Sqlite.Internal;

/// <summary>
/// A store's one connection and the statements prepared on it. Opening is done in steps that never
/// wait (connect; WAL mode; check the schema version and migrate), so that a step which finds the
/// database locked can be tried again later, asynchronously, from where it stopped. SQLite's busy
/// timeout is zero: a statement that cannot get its lock returns SQLITE_BUSY at once, and the caller
/// decides how to wait (<see cref="BusyWait"/>).
/// </summary>
internal sealed class StoreConnection : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly string _dataSource;
    private readonly SqliteSynchronousMode _synchronous;
    private Stage _stage;
    private RawStatement? _beginWrite;
    private RawStatement? _beginRead;
    private RawStatement? _snapshot;
    private RawStatement? _commit;
    private RawStatement? _rollback;
    private DirectoryTables? _tables;

    public StoreConnection(string connectionString, string dataSource, SqliteSynchronousMode synchronous)
    {
        _connection = new SqliteConnection(connectionString);
        _dataSource = dataSource;
        _synchronous = synchronous;
    }

    private enum Stage
    {
        Closed,
        Connected,
        InWalMode,
        Ready,
    }

    /// <summary>True once every opening step is done.</summary>
    public bool IsReady => _stage == Stage.Ready;

    /// <summary>The prepared table statements (once ready).</summary>
    public DirectoryTables Tables => _tables ?? throw new InvalidOperationException("The store's connection is not open yet.");

    /// <summary>
    /// One try at each opening step not done yet, none of them waiting. True when the connection is
    /// ready; false when a step found the database locked (<paramref name="busy"/> is SQLite's error,
    /// when it raised one): call again later.
    /// </summary>
    /// <exception cref="StoreUnavailableException">SQLite could not open the file.</exception>
    /// <exception cref="InvalidOperationException">SQLite refused WAL mode, or the database was written by a newer release.</exception>
    public bool TryOpen(out Exception? busy)
    {
        busy = null;
        try
        {
            if (_stage == Stage.Closed)
            {
                Connect();
                _stage = Stage.Connected;
            }

            if (_stage == Stage.Connected)
            {
                if (!TryEnterWalMode())
                {
                    return false;
                }

                _stage = Stage.InWalMode;
            }

            if (_stage == Stage.InWalMode)
            {
                if (!TryMigrate())
                {
                    return false;
                }

                _stage = Stage.Ready;
            }

            return true;
        }
        catch (SqliteException ex) when (IsBusy(ex.SqliteErrorCode))
        {
            RollbackIfOpen();
            busy = ex;
            return false;
        }
        catch (SqliteException ex)
        {
            RollbackIfOpen();
            throw new StoreUnavailableException("Open", null, $"The SQLite directory store could not open '{_dataSource}': {ex.Message}", ex);
        }
        catch
        {
            RollbackIfOpen();
            throw;
        }
    }

    /// <summary>Starts a write transaction (takes the write lock); SQLITE_OK, SQLITE_BUSY, or another error code.</summary>
    public int BeginWrite() => _beginWrite!.Run();

    /// <summary>Starts a read transaction and takes its snapshot; SQLITE_OK, SQLITE_BUSY, or another error code.</summary>
    public int BeginRead()
    {
        var rc = _beginRead!.Run();
        if (rc != raw.SQLITE_OK)
        {
            return rc;
        }

        // BEGIN alone takes no lock; the first read does, and it is the one that can find the database busy
        // (a connection recovering or checkpointing the WAL). Taken here, so no later statement of the
        // transaction meets it inside Microsoft.Data.Sqlite's own sleeping retry.
        rc = _snapshot!.Run();
        if (rc != raw.SQLITE_OK)
        {
            RollbackIfOpen();
        }

        return rc;
    }

    /// <summary>Commits the open transaction.</summary>
    public void Commit() => Check(_commit!.Run());

    /// <summary>Rolls back the open transaction, if there is one.</summary>
    public void RollbackIfOpen()
    {
        if (_connection.Handle is not { } handle || raw.sqlite3_get_autocommit(handle) != 0)
        {
            return;
        }

        if (_rollback is not null)
        {
            _rollback.Run();
        }
        else
        {
            raw.sqlite3_exec(handle, "ROLLBACK");
        }
    }

    /// <summary>Throws SQLite's error for a result code other than SQLITE_OK.</summary>
    public void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, _connection.Handle);
        }
    }

    /// <summary>SQLITE_BUSY or SQLITE_LOCKED, with any extended code.</summary>
    public static bool IsBusy(int rc) => (rc & 0xFF) is raw.SQLITE_BUSY or raw.SQLITE_LOCKED;

    public void Dispose()
    {
        _beginWrite?.Dispose();
        _beginRead?.Dispose();
        _snapshot?.Dispose();
        _commit?.Dispose();
        _rollback?.Dispose();
        _tables?.Dispose();
        _connection.Dispose();
    }

    // Opening the file and setting per-connection options takes no lock.
    private void Connect()
    {
        _connection.Open();
        Check(Exec("PRAGMA busy_timeout = 0"));
        Check(Exec($"PRAGMA synchronous = {(_synchronous == SqliteSynchronousMode.Normal ? "NORMAL" : "FULL")}"));
        Check(Exec("PRAGMA foreign_keys = ON"));
        _beginWrite = new RawStatement(_connection, "BEGIN IMMEDIATE");
        _beginRead = new RawStatement(_connection, "BEGIN");
        _commit = new RawStatement(_connection, "COMMIT");
        _rollback = new RawStatement(_connection, "ROLLBACK");
    }

    // Switching a new file to WAL needs it unlocked; a file already in WAL mode answers at once.
    private bool TryEnterWalMode()
    {
        var rc = raw.sqlite3_prepare_v2(_connection.Handle, "PRAGMA journal_mode = WAL", out var statement);
        using (statement)
        {
            if (rc == raw.SQLITE_OK)
            {
                rc = raw.sqlite3_step(statement);
            }

            if (IsBusy(rc))
            {
                return false;
            }

            if (rc != raw.SQLITE_ROW)
            {
                Check(rc);
            }

            var mode = raw.sqlite3_column_text(statement, 0).utf8_to_string();
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase) && !string.Equals(mode, "memory", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"SQLite refused WAL mode for '{_dataSource}' (journal mode is '{mode}').");
            }

            return true;
        }
    }

    // The version is read under a read snapshot first: a database already at this release's version
    // needs no write lock, so a store opens while another connection is writing. Only a migration
    // takes the write lock (inside which it checks the version again).
    private bool TryMigrate()
    {
        Check(_beginRead!.Run());
        _snapshot ??= new RawStatement(_connection, "SELECT 1 FROM sqlite_schema LIMIT 1");
        var rc = _snapshot.Run();
        if (IsBusy(rc))
        {
            RollbackIfOpen();
            return false;
        }

        Check(rc);
        var version = SqliteSchema.ReadVersion(_connection);
        if (version > SqliteSchema.CurrentVersion)
        {
            throw SqliteSchema.NewerThanThisRelease(version);
        }

        if (version < SqliteSchema.CurrentVersion)
        {
            RollbackIfOpen();
            rc = _beginWrite!.Run();
            if (IsBusy(rc))
            {
                return false;
            }

            Check(rc);
            SqliteSchema.Migrate(_connection);
        }

        // Prepared inside the transaction, so that reading the schema for them meets no lock either.
        _tables = new DirectoryTables(_connection);
        try
        {
            Commit();
        }
        catch
        {
            _tables.Dispose();
            _tables = null;
            throw;
        }

        return true;
    }

    private int Exec(string sql) => raw.sqlite3_exec(_connection.Handle, sql);
}

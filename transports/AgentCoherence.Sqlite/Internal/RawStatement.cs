using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace AgentCoherence.Sqlite.Internal;

/// <summary>
/// A parameterless statement (BEGIN, COMMIT, ROLLBACK, a read that takes the snapshot) prepared once
/// and stepped through SQLite directly. Not through <see cref="SqliteCommand"/>: that retries a busy
/// statement itself, sleeping on the caller's thread (150 ms at a time) until its command timeout,
/// where the store wants a busy database to answer at once (its <c>busy_timeout</c> is zero) and
/// waits, without a thread, in its own bounded retry (<see cref="BusyWait"/>).
/// </summary>
internal sealed class RawStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;

    public RawStatement(SqliteConnection connection, string sql)
    {
        _db = connection.Handle!;
        var rc = raw.sqlite3_prepare_v2(_db, sql, out _statement);
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
        }
    }

    /// <summary>Runs the statement (to its first row, for a query); returns SQLITE_OK or the error code (busy is for the caller to judge).</summary>
    public int Run()
    {
        var rc = raw.sqlite3_step(_statement);
        raw.sqlite3_reset(_statement);
        return rc is raw.SQLITE_DONE or raw.SQLITE_ROW ? raw.SQLITE_OK : rc;
    }

    public void Dispose() => _statement.Dispose();
}

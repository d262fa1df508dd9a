using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace AgentCoherence.Sqlite.Internal;

/// <summary>
/// A parameterless statement (BEGIN, COMMIT, ROLLBACK) prepared once and stepped through SQLite
/// directly. Not through <see cref="SqliteCommand"/>: that retries a busy statement itself with
/// 150 ms sleeps until its command timeout, where the store wants SQLite's busy handler
/// (<c>busy_timeout</c>) to be the only wait and its own bounded retry around it.
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

    /// <summary>Runs the statement; returns SQLITE_OK or the error code (busy is for the caller to judge).</summary>
    public int Run()
    {
        var rc = raw.sqlite3_step(_statement);
        raw.sqlite3_reset(_statement);
        return rc == raw.SQLITE_DONE ? raw.SQLITE_OK : rc;
    }

    public void Dispose() => _statement.Dispose();
}

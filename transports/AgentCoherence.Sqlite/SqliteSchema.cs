using AgentCoherence.Protocol;
using Microsoft.Data.Sqlite;

namespace AgentCoherence.Sqlite;

/// <summary>
/// The database layout and its forward migrations. <c>schema_version</c> holds one row, the number of
/// migrations applied; opening a store applies the missing ones in order, each in the same
/// <c>BEGIN IMMEDIATE</c> transaction as the version bump, so processes opening one file at once
/// migrate it exactly once. A database from a newer release (a version this code does not know) is
/// refused rather than guessed at.
/// </summary>
/// <remarks>
/// <para><c>records</c>: one row per artifact that was ever acquired or committed, never deleted (a
/// delete is a tombstone version). Times are UTC ticks, so they round-trip exactly.</para>
/// <para><c>holders</c>: one row per (artifact, agent) entry; <c>state</c> is the <see cref="HolderState"/>
/// value (0 I, 1 S, 2 E, 3 M); <c>read_epoch</c> is NULL when the agent never read or acquired.</para>
/// <para><c>agents</c>: registered agents and their last heartbeat.</para>
/// <para><c>operations</c> (version 3): the writes each agent had applied under an <see cref="OperationId"/>,
/// so that a retry with the same id (from any process on the file, or after reopening it) gets the
/// recorded result and applies nothing. One row per (agent, operation id), the primary key, so the
/// lookup each write makes is one probe of the table's b-tree (with one probe of
/// <c>operations_by_seq</c> for the agent's newest <c>seq</c>). <c>seq</c> numbers an agent's rows
/// 1, 2, 3… in the order they were applied; each insert deletes the agent's rows
/// <see cref="OperationLog.KeptPerAgent"/> or more behind it (one range delete on
/// <c>operations_by_seq</c>: the oldest row), so an agent keeps its newest 64. Forget deletes the
/// agent's rows. The result, as JSON text (readable with SQLite's JSON functions): <c>versions</c> is
/// an array of the version(s) the write produced (one per CommitAll member; empty for Release);
/// <c>signals</c> an array of the signals it sent, each
/// <c>{"recipient","kind","version","epoch","issuer","key"}</c> with <c>kind</c> the
/// <see cref="SignalKind"/> value (1 commit, 2 delete, 3 reclaim) and <c>key</c> the store key. Only
/// successful writes are recorded; a refused one is not, so its retry is checked afresh.</para>
/// </remarks>
internal static class SqliteSchema
{
    /// <summary>The schema version this release writes.</summary>
    public static int CurrentVersion => Migrations.Count;

    /// <summary>Migration <c>i</c> takes a database from version <c>i</c> to <c>i + 1</c>.</summary>
    internal static IReadOnlyList<string> Migrations { get; } =
    [
        // 1: the tables.
        """
        CREATE TABLE records (
            store_key    TEXT    NOT NULL PRIMARY KEY,
            version      INTEGER NOT NULL,
            is_tombstone INTEGER NOT NULL,
            content_hash TEXT,
            size_tokens  INTEGER NOT NULL,
            last_writer  TEXT,
            committed_at INTEGER,
            owner_epoch  INTEGER NOT NULL,
            content      BLOB
        );
        CREATE TABLE holders (
            store_key       TEXT    NOT NULL REFERENCES records (store_key),
            agent           TEXT    NOT NULL,
            state           INTEGER NOT NULL,
            view_version    INTEGER NOT NULL,
            read_epoch      INTEGER,
            granted_at      INTEGER,
            reclaim_trigger INTEGER,
            reclaim_at      INTEGER,
            reclaim_epoch   INTEGER,
            PRIMARY KEY (store_key, agent)
        ) WITHOUT ROWID;
        CREATE TABLE agents (
            agent     TEXT    NOT NULL PRIMARY KEY,
            heartbeat INTEGER NOT NULL
        ) WITHOUT ROWID;
        """,

        // 2: what the sweep's filter and Forget look up: granted holders, entries by agent, silent agents.
        """
        CREATE INDEX holders_granted ON holders (store_key) WHERE state >= 2;
        CREATE INDEX holders_by_agent ON holders (agent);
        CREATE INDEX agents_by_heartbeat ON agents (heartbeat);
        """,

        // 3: the operation log (exactly-once writes), looked up by (agent, operation id), trimmed by (agent, seq).
        """
        CREATE TABLE operations (
            agent        TEXT    NOT NULL,
            operation_id TEXT    NOT NULL,
            seq          INTEGER NOT NULL,
            versions     TEXT    NOT NULL,
            signals      TEXT    NOT NULL,
            PRIMARY KEY (agent, operation_id)
        ) WITHOUT ROWID;
        CREATE UNIQUE INDEX operations_by_seq ON operations (agent, seq);
        """,
    ];

    /// <summary>Reads the schema version of an open database; 0 for an empty one.</summary>
    public static int ReadVersion(SqliteConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'";
        if (Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
        {
            return 0;
        }

        command.CommandText = "SELECT version FROM schema_version WHERE id = 1";
        return command.ExecuteScalar() is long version ? checked((int)version) : 0;
    }

    /// <summary>
    /// Applies the migrations the database lacks, up to <paramref name="targetVersion"/> (the current
    /// version when null), inside the caller's open write transaction.
    /// </summary>
    /// <returns>The version before migrating.</returns>
    /// <exception cref="InvalidOperationException">The database is newer than this release.</exception>
    internal static int Migrate(SqliteConnection connection, int? targetVersion = null)
    {
        var target = targetVersion ?? CurrentVersion;
        var from = ReadVersion(connection);
        if (from > CurrentVersion)
        {
            throw NewerThanThisRelease(from);
        }

        using var command = connection.CreateCommand();
        if (from == 0)
        {
            command.CommandText = "CREATE TABLE schema_version (id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL); INSERT INTO schema_version (id, version) VALUES (1, 0);";
            command.ExecuteNonQuery();
        }

        for (var version = from; version < target; version++)
        {
            command.CommandText = Migrations[version];
            command.ExecuteNonQuery();
        }

        if (target > from)
        {
            command.CommandText = "UPDATE schema_version SET version = $v WHERE id = 1";
            command.Parameters.AddWithValue("$v", target);
            command.ExecuteNonQuery();
        }

        return from;
    }

    /// <summary>The refusal of a database written by a newer release.</summary>
    internal static InvalidOperationException NewerThanThisRelease(int version) =>
        new($"The database has schema version {version}, newer than this release's {CurrentVersion}: it was written by a newer AgentCoherence.Sqlite. Upgrade the package; it is never downgraded.");
}

using AgentCoherence.Sqlite;
using AgentCoherence.Sqlite.Internal;
using AgentCoherence.Testing;
using Microsoft.Data.Sqlite;
using AgentCoherence.Protocol;

namespace AgentCoherence.Sqlite.Tests;

public sealed class SqliteSchemaTests : IDisposable
{
    private static readonly AgentId A = new("alice");
    private static readonly ArtifactKey Plan = new("team", "plans/plan.md");
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void A_fresh_database_gets_the_current_schema_version_in_WAL_mode()
    {
        var path = _directory.File("fresh.db");
        using (new SqliteDirectoryStore(new SqliteStoreOptions { Path = path }))
        {
        }

        using var connection = OpenRaw(path);
        Assert.Equal(SqliteSchema.CurrentVersion, SqliteSchema.ReadVersion(connection));
        Assert.Equal("wal", Scalar(connection, "PRAGMA journal_mode"));
    }

    [Fact]
    public async Task A_database_at_an_older_schema_version_migrates_forward_and_keeps_its_data()
    {
        var path = _directory.File("old.db");
        using (var connection = OpenRaw(path))
        {
            using var transaction = connection.BeginTransaction();
            SqliteSchema.Migrate(connection, targetVersion: 1);
            Execute(connection, """
                INSERT INTO records (store_key, version, is_tombstone, content_hash, size_tokens, last_writer, committed_at, owner_epoch, content)
                VALUES ('team:plans/plan.md', 3, 0, 'h', 2, 'alice', 638000000000000000, 0, x'7631');
                INSERT INTO holders (store_key, agent, state, view_version, read_epoch, granted_at) VALUES ('team:plans/plan.md', 'alice', 1, 3, 0, NULL);
                INSERT INTO agents (agent, heartbeat) VALUES ('alice', 638000000000000000);
                """);
            transaction.Commit();
            Assert.Equal(1, SqliteSchema.ReadVersion(connection));
        }

        await using (var store = new SqliteDirectoryStore(new SqliteStoreOptions { Path = path }))
        {
            var record = (await store.InspectAsync(Plan))!;
            Assert.Equal(3, record.Version);
            Assert.Equal("v1", System.Text.Encoding.UTF8.GetString(record.Content!));
            Assert.Equal(HolderState.Shared, record.Holders[A].State);
            Assert.Equal(new DateTimeOffset(638000000000000000, TimeSpan.Zero), record.CommittedAt);
            Assert.Equal(4, (await store.CommitCasAsync(A, Plan, StoreTestExtensions.Text("v4"), 3)).Ok());
        }

        using var reopened = OpenRaw(path);
        Assert.Equal(SqliteSchema.CurrentVersion, SqliteSchema.ReadVersion(reopened));
        Assert.Equal(1L, Scalar(reopened, "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name = 'holders_by_agent'"));
    }

    [Fact]
    public async Task A_version_2_database_gains_the_operation_log_and_keeps_its_data()
    {
        var path = _directory.File("v2.db");
        using (var connection = OpenRaw(path))
        {
            using var transaction = connection.BeginTransaction();
            SqliteSchema.Migrate(connection, targetVersion: 2);
            Execute(connection, """
                INSERT INTO records (store_key, version, is_tombstone, content_hash, size_tokens, last_writer, committed_at, owner_epoch, content)
                VALUES ('team:plans/plan.md', 3, 0, 'h', 2, 'alice', 638000000000000000, 1, x'7633');
                INSERT INTO holders (store_key, agent, state, view_version, read_epoch, granted_at) VALUES ('team:plans/plan.md', 'alice', 1, 3, 1, NULL);
                INSERT INTO holders (store_key, agent, state, view_version, read_epoch, granted_at) VALUES ('team:plans/plan.md', 'bob', 1, 3, 1, NULL);
                INSERT INTO agents (agent, heartbeat) VALUES ('alice', 638000000000000000);
                INSERT INTO agents (agent, heartbeat) VALUES ('bob', 638000000000000000);
                """);
            transaction.Commit();
            Assert.Equal(2, SqliteSchema.ReadVersion(connection));
            Assert.Equal(0L, Scalar(connection, "SELECT count(*) FROM sqlite_schema WHERE name = 'operations'"));
        }

        var op = new OperationId("first-after-upgrade");
        await using (var store = new SqliteDirectoryStore(new SqliteStoreOptions { Path = path }))
        {
            var record = (await store.InspectAsync(Plan))!;
            Assert.Equal(3, record.Version);
            Assert.Equal(1, record.OwnerEpoch);
            Assert.Equal("v3", System.Text.Encoding.UTF8.GetString(record.Content!));
            Assert.Equal([A, new AgentId("bob")], record.Holders.Keys.Order(Comparer<AgentId>.Create((x, y) => string.CompareOrdinal(x.Value, y.Value))));
            var written = await store.CommitCasAsync(A, Plan, StoreTestExtensions.Text("v4"), 3, op);
            Assert.Equal(4, written.Ok());
            Assert.Equal(written.Signals, (await store.CommitCasAsync(A, Plan, StoreTestExtensions.Text("v4"), 3, op)).Signals);
        }

        using var reopened = OpenRaw(path);
        Assert.Equal(3, SqliteSchema.CurrentVersion);
        Assert.Equal(SqliteSchema.CurrentVersion, SqliteSchema.ReadVersion(reopened));
        Assert.Equal(
            """[{"recipient":"bob","kind":1,"version":4,"epoch":1,"issuer":"alice","key":"team:plans/plan.md"}]""",
            Scalar(reopened, "SELECT signals FROM operations WHERE agent = 'alice' AND operation_id = 'first-after-upgrade'"));
        Assert.Equal("[4]", Scalar(reopened, "SELECT versions FROM operations WHERE agent = 'alice'"));
    }

    [Fact]
    public void A_writes_operation_lookup_and_trim_search_the_operations_indexes_and_never_scan()
    {
        var path = _directory.File("plan.db");
        using (new SqliteDirectoryStore(new SqliteStoreOptions { Path = path }))
        {
        }

        using var connection = OpenRaw(path);

        // Whether SQLite calls an index covering, and how it lays out the subquery, differs between its versions.
        var lookup = Plan(connection, DirectoryTables.SelectOperationSql, ("$a", "alice"), ("$o", "op-1"));
        Assert.Contains(lookup, line => line.StartsWith("SEARCH op USING PRIMARY KEY (agent=? AND operation_id=?)", StringComparison.Ordinal));
        Assert.Contains(lookup, line => System.Text.RegularExpressions.Regex.IsMatch(line, @"^SEARCH operations USING (COVERING )?INDEX operations_by_seq \(agent=\?\)$"));
        Assert.DoesNotContain(lookup, line => line.StartsWith("SCAN op", StringComparison.Ordinal)); // "SCAN newest" is the one-row subquery

        var trim = Assert.Single(Plan(connection, DirectoryTables.TrimOperationsSql, ("$a", "alice"), ("$oldest", 3L)));
        Assert.Matches(@"^SEARCH operations USING (COVERING )?INDEX operations_by_seq \(agent=\? AND seq<\?\)$", trim);

        static List<string> Plan(SqliteConnection connection, string sql, params (string Name, object Value)[] parameters)
        {
            using var command = connection.CreateCommand();
            command.CommandText = "EXPLAIN QUERY PLAN " + sql;
            foreach (var (name, value) in parameters)
            {
                command.Parameters.AddWithValue(name, value);
            }

            var details = new List<string>();
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                details.Add(reader.GetString(3));
            }

            return details;
        }
    }

    [Fact]
    public void A_database_from_a_newer_release_is_refused_not_downgraded()
    {
        var path = _directory.File("newer.db");
        using (new SqliteDirectoryStore(new SqliteStoreOptions { Path = path }))
        {
        }

        using (var connection = OpenRaw(path))
        {
            Execute(connection, $"UPDATE schema_version SET version = {SqliteSchema.CurrentVersion + 1}");
        }

        var error = Assert.Throws<InvalidOperationException>(() => new SqliteDirectoryStore(new SqliteStoreOptions { Path = path }));
        Assert.Contains("newer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_that_is_not_a_database_is_refused_with_StoreUnavailableException_naming_it()
    {
        var path = _directory.File("notes.txt");
        await File.WriteAllTextAsync(path, string.Concat(Enumerable.Repeat("these are plain notes, not a database\n", 200)));

        var created = Assert.Throws<StoreUnavailableException>(() => new SqliteDirectoryStore(new SqliteStoreOptions { Path = path }));
        Assert.Contains(path, created.Message, StringComparison.Ordinal);
        Assert.IsType<SqliteException>(created.InnerException);
        var opened = await Assert.ThrowsAsync<StoreUnavailableException>(async () => await SqliteDirectoryStore.OpenAsync(new SqliteStoreOptions { Path = path }));
        Assert.Equal("Open", opened.Operation);
    }

    [Fact]
    public async Task The_database_and_its_wal_and_shm_files_are_created_owner_only_in_an_owner_only_directory()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var directory = _directory.File("private");
        var path = Path.Combine(directory, "coherence.db");
        await using (var store = new SqliteDirectoryStore(new SqliteStoreOptions { Path = path }))
        {
            await store.RegisterAgentAsync(A);
            (await store.CommitCasAsync(A, Plan, StoreTestExtensions.Text("v1"), 0)).Ok();
            const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(path));
            Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(path + "-wal"));
            Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(path + "-shm"));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(directory));
        }
    }

    [Fact]
    public void Invalid_options_are_refused_naming_the_setting()
    {
        var neither = Assert.Throws<ArgumentException>(() => new SqliteDirectoryStore(new SqliteStoreOptions()));
        Assert.Contains("exactly one of Path and ConnectionString", neither.Message, StringComparison.Ordinal);
        var timeout = Assert.Throws<ArgumentException>(() => new SqliteDirectoryStore(new SqliteStoreOptions { Path = _directory.File("x.db"), BusyTimeout = TimeSpan.FromSeconds(-1) }));
        Assert.Contains("BusyTimeout", timeout.Message, StringComparison.Ordinal);
    }

    internal static SqliteConnection OpenRaw(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    internal static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    internal static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}

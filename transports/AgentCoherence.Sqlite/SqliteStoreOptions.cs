namespace AgentCoherence.Sqlite;

/// <summary>
/// Settings of a <see cref="SqliteDirectoryStore"/>, bound from configuration by
/// <c>UseSqlite(IConfiguration)</c> or set in code by <c>UseSqlite(Action&lt;SqliteStoreOptions&gt;)</c>.
/// Give exactly one of <see cref="Path"/> and <see cref="ConnectionString"/>.
/// </summary>
public sealed class SqliteStoreOptions
{
    /// <summary>The conventional configuration section: <c>AgentCoherence:Sqlite</c>.</summary>
    public const string SectionName = "AgentCoherence:Sqlite";

    /// <summary>
    /// The database file. Created with mode 0600 (its directory 0700 when the store creates it) on
    /// Unix; SQLite gives its <c>-wal</c> and <c>-shm</c> files the same mode.
    /// </summary>
    public string? Path { get; set; }

    /// <summary>
    /// A Microsoft.Data.Sqlite connection string, for settings <see cref="Path"/> cannot express
    /// (a VFS, a read-only mode). Its <c>Data Source</c> file is created 0600 like <see cref="Path"/>.
    /// Pooling is always turned off: the store keeps its own connection open.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// How long an operation waits in all for the database's write lock while other connections (in this
    /// process or others) hold it, before it gives up with <see cref="StoreBusyException"/>, nothing
    /// changed. The wait holds no thread: the operation retries after a back-off (see
    /// <see cref="BusyRetryDelay"/>), and writers of one process queue for the file asynchronously. Zero
    /// means one attempt and no wait. Also bounds the wait of opening a database another connection has
    /// locked. Default 5 seconds; at most 10 minutes.
    /// </summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The first back-off after an attempt that found the database locked by another process; it
    /// doubles per attempt up to 100 ms (or up to this value, when longer), each one jittered into its
    /// upper half. Default 20 ms; at most 10 seconds.
    /// </summary>
    public TimeSpan BusyRetryDelay { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// SQLite's <c>synchronous</c> setting in WAL mode. <see cref="SqliteSynchronousMode.Full"/> (the
    /// default) syncs the WAL on every commit: an acknowledged commit survives power loss.
    /// <see cref="SqliteSynchronousMode.Normal"/> syncs only at checkpoints: several times faster, still
    /// safe when a process crashes, but the last commits before an OS crash or power loss may be lost.
    /// </summary>
    public SqliteSynchronousMode Synchronous { get; set; } = SqliteSynchronousMode.Full;
}

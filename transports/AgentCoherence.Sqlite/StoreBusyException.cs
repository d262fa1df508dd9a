namespace AgentCoherence.Sqlite;

/// <summary>
/// Other connections held the SQLite database's write lock for as long as an operation was allowed to
/// wait (<see cref="SqliteStoreOptions.BusyTimeout"/>). Nothing changed: the operation never started
/// its transaction, or rolled it back. Safe to retry later.
/// </summary>
public sealed class StoreBusyException : StoreUnavailableException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="dataSource">The database file.</param>
    /// <param name="operation">The store operation.</param>
    /// <param name="attempts">How many attempts at SQLite's lock found it taken.</param>
    /// <param name="waited">How long the operation waited in all.</param>
    /// <param name="inner">SQLite's busy error, when the last attempt raised one.</param>
    public StoreBusyException(string dataSource, string operation, int attempts, TimeSpan waited, Exception? inner = null)
        : base(operation, null, $"The SQLite directory store '{dataSource}' stayed busy (other connections held its write lock) for {waited.TotalMilliseconds:0} ms of {operation}, {attempts} attempts; nothing changed. Retry later, or raise {SqliteStoreOptions.SectionName}:BusyTimeout.", inner)
    {
        DataSource = dataSource;
        Attempts = attempts;
        Waited = waited;
    }

    /// <summary>The database file.</summary>
    public string DataSource { get; }

    /// <summary>How many attempts at SQLite's lock found it taken (the rest of the wait was in this process's queue for the file).</summary>
    public int Attempts { get; }

    /// <summary>How long it tried in all.</summary>
    public TimeSpan Waited { get; }

    /// <summary>Always true: nothing changed, and the lock holder will finish.</summary>
    public override bool IsRetryable => true;
}

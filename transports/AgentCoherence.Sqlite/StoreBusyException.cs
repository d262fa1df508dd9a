namespace AgentCoherence.Sqlite;

/// <summary>
/// Another connection held the SQLite database's write lock through every attempt an operation was
/// allowed (<see cref="SqliteStoreOptions.BusyTimeout"/> per attempt, <see cref="SqliteStoreOptions.MaxBusyRetries"/>
/// retries). Nothing changed: the operation never started its transaction, or rolled it back. Safe to retry later.
/// </summary>
public sealed class StoreBusyException : StoreUnavailableException
{
    /// <summary>Creates the exception.</summary>
    public StoreBusyException(string dataSource, string operation, int attempts, TimeSpan waited, Exception? inner = null)
        : base(operation, null, $"The SQLite directory store '{dataSource}' stayed busy (another connection held its write lock) through {attempts} attempts over {waited.TotalMilliseconds:0} ms of {operation}; nothing changed. Retry later, or raise BusyTimeout / MaxBusyRetries.", inner)
    {
        DataSource = dataSource;
        Attempts = attempts;
        Waited = waited;
    }

    /// <summary>The database file.</summary>
    public string DataSource { get; }

    /// <summary>How many times the operation tried to start its transaction.</summary>
    public int Attempts { get; }

    /// <summary>How long it tried in all.</summary>
    public TimeSpan Waited { get; }

    /// <summary>Always true: nothing changed, and the lock holder will finish.</summary>
    public override bool IsRetryable => true;
}

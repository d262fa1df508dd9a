namespace AgentCoherence.Sqlite.Internal;

/// <summary>
/// One operation's wait for the database's write lock, bounded by <see cref="SqliteStoreOptions.BusyTimeout"/>
/// from the moment it started waiting. SQLite itself never waits (its busy timeout is zero: a locked
/// database answers SQLITE_BUSY at once), so no thread is held while another connection writes: after
/// each busy attempt the operation awaits a jittered, doubling back-off on the store's
/// <see cref="TimeProvider"/>, and while another store of this process writes the same file it awaits
/// its turn in the <see cref="WriteQueue"/>. When the budget is spent it throws
/// <see cref="StoreBusyException"/>, with nothing changed; when the store is disposed meanwhile, it
/// throws <see cref="ObjectDisposedException"/>, with nothing changed either.
/// </summary>
/// <remarks>
/// Created on the first wait only, so an operation that finds the database free allocates nothing for it.
/// Under a fake clock the back-off waits until the test advances it; <c>BusyTimeout = 0</c> makes a
/// busy operation fail at once instead.
/// </remarks>
internal sealed class BusyWait : IDisposable
{
    /// <summary>The back-off stops doubling here (or at <see cref="SqliteStoreOptions.BusyRetryDelay"/>, when that is longer).</summary>
    internal static readonly TimeSpan MaxBackOff = TimeSpan.FromMilliseconds(100);

    // A zero delay would complete synchronously and turn the wait into a spin on the caller's thread.
    private static readonly TimeSpan MinBackOff = TimeSpan.FromMilliseconds(1);

    private readonly TimeProvider _time;
    private readonly SqliteStoreOptions _options;
    private readonly string _dataSource;
    private readonly string _operation;
    private readonly long _started;
    private readonly CancellationToken _cancellationToken;
    private readonly CancellationToken _closing;
    private readonly CancellationTokenSource _either;

    /// <param name="time">The store's clock.</param>
    /// <param name="options">The bound and the back-off.</param>
    /// <param name="dataSource">The database, for the error.</param>
    /// <param name="operation">The store operation, for the error.</param>
    /// <param name="started">When the operation started waiting (<paramref name="time"/>'s timestamp).</param>
    /// <param name="cancellationToken">The caller's.</param>
    /// <param name="closing">Cancelled when the store is disposed: the wait ends with <see cref="ObjectDisposedException"/>.</param>
    public BusyWait(TimeProvider time, SqliteStoreOptions options, string dataSource, string operation, long started, CancellationToken cancellationToken, CancellationToken closing)
    {
        _time = time;
        _options = options;
        _dataSource = dataSource;
        _operation = operation;
        _started = started;
        _cancellationToken = cancellationToken;
        _closing = closing;
        _either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, closing);
    }

    /// <summary>The attempts at SQLite's lock that found it taken.</summary>
    public int BusyAttempts { get; private set; }

    /// <summary>
    /// After an attempt that found the database busy: waits the next back-off (never past the budget),
    /// or throws <see cref="StoreBusyException"/> when the budget is spent.
    /// </summary>
    public async ValueTask AfterBusyAsync(Exception? busy)
    {
        BusyAttempts++;
        var left = Left(busy);
        var delay = BackOff(_options.BusyRetryDelay, BusyAttempts, Random.Shared.NextDouble());
        try
        {
            await Task.Delay(delay < left ? delay : left, _time, _either.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!_cancellationToken.IsCancellationRequested)
        {
            throw Closed();
        }
    }

    /// <summary>Waits for this process's earlier writers on the file, within what is left of the budget.</summary>
    public async ValueTask EnterAsync(WriteQueue queue)
    {
        var left = Left(null);
        using var timeout = new CancellationTokenSource(left, _time);
        using var any = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _either.Token);
        try
        {
            await queue.EnterAsync(any.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!_cancellationToken.IsCancellationRequested)
        {
            throw _closing.IsCancellationRequested ? Closed() : Exhausted(null);
        }
    }

    public void Dispose() => _either.Dispose();

    /// <summary>
    /// The n-th back-off: <paramref name="first"/> doubled n - 1 times, capped at <see cref="MaxBackOff"/>
    /// (or at <paramref name="first"/> when that is longer), then jittered into its upper half so that
    /// waiters spread out; never under a millisecond.
    /// </summary>
    /// <param name="first">The first back-off.</param>
    /// <param name="attempt">How many busy attempts so far (1 or more).</param>
    /// <param name="jitter">A number in [0, 1).</param>
    internal static TimeSpan BackOff(TimeSpan first, int attempt, double jitter)
    {
        var cap = first > MaxBackOff ? first : MaxBackOff;
        var doubled = first.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 20));
        var ceiling = Math.Min(doubled, cap.TotalMilliseconds);
        var delay = TimeSpan.FromMilliseconds((ceiling / 2) + (jitter * ceiling / 2));
        return delay < MinBackOff ? MinBackOff : delay;
    }

    private TimeSpan Left(Exception? busy)
    {
        var left = _options.BusyTimeout - _time.GetElapsedTime(_started);
        return left > TimeSpan.Zero ? left : throw Exhausted(busy);
    }

    private ObjectDisposedException Closed() =>
        new(nameof(SqliteDirectoryStore), $"The store was disposed while {_operation} waited for the write lock of '{_dataSource}'; nothing changed.");

    private StoreBusyException Exhausted(Exception? busy) =>
        new(_dataSource, _operation, BusyAttempts, _time.GetElapsedTime(_started), busy);
}

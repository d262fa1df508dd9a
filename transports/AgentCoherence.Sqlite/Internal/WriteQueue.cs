namespace AgentCoherence.Sqlite.Internal;

/// <summary>
/// The line that the stores of this process writing one database file wait in, one writer at a time,
/// without holding a thread (<see cref="SemaphoreSlim.WaitAsync(CancellationToken)"/>). SQLite's own lock
/// is what makes writes atomic, across processes too; the queue only spares writers of the same
/// process from polling that lock against each other, and hands it on in arrival order. Stores on a
/// memory or URI database each get a queue of their own.
/// </summary>
internal sealed class WriteQueue
{
    private static readonly Dictionary<string, WriteQueue> Files = new(StringComparer.Ordinal);

    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly string? _file;
    private int _stores;

    private WriteQueue(string? file)
    {
        _file = file;
    }

    /// <summary>The queue of <paramref name="file"/> (a full path) shared with the process's other stores on it, or a private one when null.</summary>
    public static WriteQueue Join(string? file)
    {
        if (file is null)
        {
            return new WriteQueue(null);
        }

        lock (Files)
        {
            if (!Files.TryGetValue(file, out var queue))
            {
                queue = new WriteQueue(file);
                Files.Add(file, queue);
            }

            queue._stores++;
            return queue;
        }
    }

    /// <summary>Takes the turn if it is free, without waiting.</summary>
    public bool TryEnter() => _turn.Wait(0);

    /// <summary>Waits for the turn.</summary>
    public Task EnterAsync(CancellationToken cancellationToken) => _turn.WaitAsync(cancellationToken);

    /// <summary>Hands the turn to the next writer.</summary>
    public void Exit() => _turn.Release();

    /// <summary>A store closed; the last one on a file removes its queue.</summary>
    public void Leave()
    {
        if (_file is null)
        {
            return;
        }

        lock (Files)
        {
            if (--_stores == 0)
            {
                Files.Remove(_file);
            }
        }
    }
}

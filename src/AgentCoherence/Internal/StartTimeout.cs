namespace AgentCoherence.Internal;

/// <summary>
/// The bound on a client's start. Its timer (on the client's <see cref="TimeProvider"/>) is armed only when
/// a step does not finish at once, so a start over in-process parts runs synchronously and makes no timer,
/// which the client model checker relies on (its clock refuses timers).
/// </summary>
internal sealed class StartTimeout(TimeProvider time, TimeSpan limit) : IDisposable
{
    private readonly CancellationTokenSource _cancel = new();
    private ITimer? _timer;

    /// <summary>Cancelled when the limit has passed since the first step that did not finish at once.</summary>
    public CancellationToken Token => _cancel.Token;

    /// <summary>The step, or a cancellation when the limit passes first (a step that ignores its token still ends here).</summary>
    public Task<T> Bound<T>(Task<T> step)
    {
        if (step.IsCompleted)
        {
            return step;
        }

        Arm();
        return step.WaitAsync(Token);
    }

    /// <inheritdoc cref="Bound{T}(Task{T})"/>
    public Task Bound(Task step)
    {
        if (step.IsCompleted)
        {
            return step;
        }

        Arm();
        return step.WaitAsync(Token);
    }

    public void Dispose()
    {
        _timer?.Dispose();
        _cancel.Dispose();
    }

    private void Arm() => _timer ??= time.CreateTimer(static state => Cancel((CancellationTokenSource)state!), _cancel, limit, Timeout.InfiniteTimeSpan);

    // The timer may fire while the start is finishing and disposing; a throw on a timer thread would end the process.
    private static void Cancel(CancellationTokenSource cancel)
    {
        try
        {
            cancel.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }
}

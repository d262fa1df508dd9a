namespace AgentCoherence.Internal;

/// <summary>
/// The bound on a client's start. <see cref="Token"/> is cancelled when the limit has passed, so a store or bus
/// that is still trying stops and reports its last cause; a step that ignores it is abandoned
/// <see cref="Grace"/> later. The timers (on the client's <see cref="TimeProvider"/>) are armed only when a
/// step does not finish at once, so a start over in-process parts runs synchronously and makes no timer,
/// which the client model checker relies on (its clock refuses timers).
/// </summary>
internal sealed class StartTimeout(TimeProvider time, TimeSpan limit) : IDisposable
{
    /// <summary>How long a step may take to report its own error once <see cref="Token"/> is cancelled.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource _cancel = new();
    private readonly CancellationTokenSource _abandon = new();
    private ITimer? _cancelTimer;
    private ITimer? _abandonTimer;

    /// <summary>Cancelled when the limit has passed since the first step that did not finish at once.</summary>
    public CancellationToken Token => _cancel.Token;

    /// <summary>True once a step was abandoned or cancelled because the limit passed.</summary>
    public bool Expired => _cancel.IsCancellationRequested;

    /// <summary>The step, or a cancellation when it has not ended <see cref="Grace"/> after the limit.</summary>
    public Task<T> Bound<T>(Task<T> step)
    {
        if (step.IsCompleted)
        {
            return step;
        }

        Arm();
        return step.WaitAsync(_abandon.Token);
    }

    /// <inheritdoc cref="Bound{T}(Task{T})"/>
    public Task Bound(Task step)
    {
        if (step.IsCompleted)
        {
            return step;
        }

        Arm();
        return step.WaitAsync(_abandon.Token);
    }

    public void Dispose()
    {
        _cancelTimer?.Dispose();
        _abandonTimer?.Dispose();
        _cancel.Dispose();
        _abandon.Dispose();
    }

    private void Arm()
    {
        _cancelTimer ??= time.CreateTimer(static state => Cancel((CancellationTokenSource)state!), _cancel, limit, Timeout.InfiniteTimeSpan);
        _abandonTimer ??= time.CreateTimer(static state => Cancel((CancellationTokenSource)state!), _abandon, limit + Grace, Timeout.InfiniteTimeSpan);
    }

    // A timer may fire while the start is finishing and disposing; a throw on a timer thread would end the process.
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

namespace AgentCoherence.Simulation.Internal;

/// <summary>
/// The one simulated clock of a run and every timer created on it. Time moves only when the run
/// advances it; due timers then fire on the run's own thread, in order of due time and then of creation,
/// and only for processes that are running (a stalled process's timers wait, a crashed one's never fire).
/// </summary>
internal sealed class SimScheduler
{
    private readonly List<SimTimer> _timers = [];
    private long _sequence;

    public SimScheduler(DateTimeOffset start) => Now = start;

    public DateTimeOffset Now { get; private set; }

    /// <summary>Whether a process's timers may fire now.</summary>
    public Func<int, bool> IsRunning { get; set; } = _ => true;

    /// <summary>Runs after every timer callback (drains work the callback queued).</summary>
    public Action AfterCallback { get; set; } = () => { };

    public SimTimer Create(int process, TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new SimTimer(this, process, callback, state, ++_sequence);
        _timers.Add(timer);
        timer.Change(dueTime, period);
        return timer;
    }

    public void Remove(SimTimer timer) => _timers.Remove(timer);

    /// <summary>Moves the clock to <paramref name="to"/>, firing every timer that falls due on the way.</summary>
    public void AdvanceTo(DateTimeOffset to)
    {
        while (true)
        {
            SimTimer? next = null;
            foreach (var timer in _timers)
            {
                if (timer.DueAt is { } due && due <= to && IsRunning(timer.Process)
                    && (next is null || due < next.DueAt || (due == next.DueAt && timer.Sequence < next.Sequence)))
                {
                    next = timer;
                }
            }

            if (next is null)
            {
                break;
            }

            var dueAt = next.DueAt!.Value;
            if (dueAt > Now)
            {
                Now = dueAt;
            }

            // A periodic timer that waited (its process stalled) fires once and carries on from now.
            next.DueAt = next.Period is { } period ? Max(dueAt + period, Now + period) : null;
            next.Callback(next.State);
            AfterCallback();
        }

        Now = to;
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}

/// <summary>A timer of the simulated clock.</summary>
internal sealed class SimTimer(SimScheduler scheduler, int process, TimerCallback callback, object? state, long sequence) : ITimer
{
    public int Process { get; } = process;

    public TimerCallback Callback { get; } = callback;

    public object? State { get; } = state;

    public long Sequence { get; } = sequence;

    public DateTimeOffset? DueAt { get; set; }

    public TimeSpan? Period { get; private set; }

    public bool Change(TimeSpan dueTime, TimeSpan period)
    {
        DueAt = dueTime == Timeout.InfiniteTimeSpan ? null : scheduler.Now + (dueTime < TimeSpan.Zero ? TimeSpan.Zero : dueTime);
        Period = period == Timeout.InfiniteTimeSpan || period <= TimeSpan.Zero ? null : period;
        return true;
    }

    public void Dispose() => scheduler.Remove(this);

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>One simulated process's view of the clock: the shared time, and timers that belong to the process.</summary>
internal sealed class ProcessClock(SimScheduler scheduler, int process) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => scheduler.Now;

    public override long GetTimestamp() => scheduler.Now.UtcTicks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        scheduler.Create(process, callback, state, dueTime, period);
}

/// <summary>
/// The run's synchronization context: work posted to it (an eager agent's refresh after its yield) is queued
/// and run on the run's thread, in order, when the run drains it.
/// </summary>
internal sealed class SimSynchronizationContext : SynchronizationContext
{
    private readonly Queue<(SendOrPostCallback Callback, object? State)> _queue = new();

    public override void Post(SendOrPostCallback d, object? state) => _queue.Enqueue((d, state));

    public override void Send(SendOrPostCallback d, object? state) => d(state);

    public override SynchronizationContext CreateCopy() => this;

    public void Drain()
    {
        while (_queue.TryDequeue(out var work))
        {
            work.Callback(work.State);
        }
    }
}

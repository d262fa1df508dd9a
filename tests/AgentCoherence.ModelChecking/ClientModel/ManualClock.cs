namespace AgentCoherence.ModelChecking.ClientModel;

/// <summary>
/// A clock that moves only when the explorer says so. Timers are refused: the model turns off the
/// sweeper and heartbeats, and a timer firing on its own would make a path not replay.
/// </summary>
internal sealed class ManualClock : TimeProvider
{
    public static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private long _ticks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override DateTimeOffset GetUtcNow() => Start.AddTicks(_ticks);

    public override long GetTimestamp() => _ticks;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        throw new NotSupportedException("The client model runs without timers: a timer would fire outside the explored schedule.");

    public void Advance(TimeSpan by) => _ticks += by.Ticks;
}

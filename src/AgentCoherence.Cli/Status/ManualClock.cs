namespace AgentCoherence.Cli.Status;

/// <summary>
/// A clock the demo scene moves by hand, so a minute of agent life takes no time. Only <see cref="GetUtcNow"/> is
/// virtual: the scene turns off every timer (heartbeats, the sweeper) and drives them itself.
/// </summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}

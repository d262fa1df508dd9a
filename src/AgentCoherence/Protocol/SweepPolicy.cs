namespace AgentCoherence.Protocol;

/// <summary>The thresholds one sweep applies.</summary>
/// <param name="HeartbeatTimeout">Reclaim a grant whose holder has been silent this long.</param>
/// <param name="MaxHold">Reclaim a grant held this long, heartbeats or not.</param>
/// <param name="PruneSilentAfter">Drop the S/I entries of agents silent this long (never an entry that fences a zombie). Null keeps them.</param>
public sealed record SweepPolicy(TimeSpan HeartbeatTimeout, TimeSpan MaxHold, TimeSpan? PruneSilentAfter)
{
    /// <summary>The protocol's defaults: 2 minutes, 15 minutes, prune after 24 hours.</summary>
    public static SweepPolicy Default { get; } = new(TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(15), TimeSpan.FromHours(24));
}

using System.ComponentModel.DataAnnotations;
using AgentCoherence.Protocol;

namespace AgentCoherence;

/// <summary>Crash recovery settings (on by default).</summary>
public sealed class CrashRecoveryOptions
{
    /// <summary>Run the background sweeper. On by default.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Reclaim the grant of a holder silent this long (default 2 minutes).</summary>
    public TimeSpan HeartbeatTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Reclaim a grant held this long (default 15 minutes).</summary>
    public TimeSpan MaxHold { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often the background sweeper runs (default 5 seconds).</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Drop the S/I entries of agents silent this long (default 24 hours); null keeps them.</summary>
    public TimeSpan? PruneSilentAfter { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The policy one sweep applies.</summary>
    public SweepPolicy ToPolicy() => new(HeartbeatTimeout, MaxHold, PruneSilentAfter);
}

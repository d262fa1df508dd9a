using System.ComponentModel.DataAnnotations;
using AgentCoherence.Protocol;

namespace AgentCoherence;

/// <summary>Crash recovery settings (on by default).</summary>
public sealed class CrashRecoveryOptions
{
    /// <summary>
    /// Run the crash-recovery sweep on a timer in this client (on by default; the setting is
    /// <c>AgentCoherence:CrashRecovery:Enabled</c>). Turn it off only where another client of the same store
    /// sweeps, or where the application calls <see cref="CoherenceClient.SweepAsync"/> itself: without
    /// any sweep, a grant held by a crashed agent is never reclaimed. A client with this off on a store
    /// other processes share (<see cref="IDirectoryStore.SharedAcrossProcesses"/>: SQLite, Redis) logs a
    /// warning (event 2003) when it is created.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Reclaim the grant of a holder silent this long (default 2 minutes).</summary>
    public TimeSpan HeartbeatTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Reclaim a grant held this long (default 15 minutes).</summary>
    public TimeSpan MaxHold { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often the client's sweep runs (default 5 seconds).</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Drop the S/I entries of agents silent this long (default 24 hours); null keeps them.</summary>
    public TimeSpan? PruneSilentAfter { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The policy one sweep applies.</summary>
    public SweepPolicy ToPolicy() => new(HeartbeatTimeout, MaxHold, PruneSilentAfter);
}

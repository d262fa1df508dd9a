namespace AgentCoherence;

/// <summary>What happened to the artifact a signal names.</summary>
public enum SignalKind
{
    /// <summary>A peer committed a new version.</summary>
    Commit = 1,

    /// <summary>A peer deleted the artifact (a tombstone version).</summary>
    Delete = 2,

    /// <summary>Crash recovery reclaimed the recipient's grant; its writes will be refused until it re-reads.</summary>
    Reclaim = 3,
}

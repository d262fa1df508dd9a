namespace AgentCoherence.Protocol;

/// <summary>One agent's entry in a directory record. Mutable: only stores change it, inside one atomic step.</summary>
public sealed class HolderEntry
{
    /// <summary>The agent's MESI state.</summary>
    public HolderState State { get; set; }

    /// <summary>The version this agent last observed.</summary>
    public long ViewVersion { get; set; }

    /// <summary>The owner epoch captured by this agent's own last Read or Acquire; null if it never did either.</summary>
    public long? ReadEpoch { get; set; }

    /// <summary>When the agent entered E or M; null outside E/M.</summary>
    public DateTimeOffset? GrantedAt { get; set; }

    /// <summary>The last reclamation of this agent's grant, if any.</summary>
    public ReclaimInfo? LastReclaim { get; set; }

    /// <summary>A deep copy.</summary>
    public HolderEntry Clone() => new()
    {
        State = State,
        ViewVersion = ViewVersion,
        ReadEpoch = ReadEpoch,
        GrantedAt = GrantedAt,
        LastReclaim = LastReclaim,
    };
}

namespace AgentCoherence;

/// <summary>Why crash recovery took a grant away.</summary>
public enum ReclaimTrigger
{
    /// <summary>The holder's last heartbeat is older than the heartbeat timeout.</summary>
    Heartbeat = 1,

    /// <summary>The holder kept the grant longer than the maximum hold time.</summary>
    MaxHold = 2,
}

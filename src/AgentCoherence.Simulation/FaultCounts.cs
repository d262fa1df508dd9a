namespace AgentCoherence.Simulation;

/// <summary>How many faults of each kind a run injected.</summary>
public sealed record FaultCounts
{
    /// <summary>Processes that crashed.</summary>
    public long Crashes { get; init; }

    /// <summary>Crashed processes that restarted.</summary>
    public long Restarts { get; init; }

    /// <summary>Processes that stalled.</summary>
    public long Stalls { get; init; }

    /// <summary>Signals lost.</summary>
    public long SignalsLost { get; init; }

    /// <summary>Signals delivered twice.</summary>
    public long SignalsDuplicated { get; init; }

    /// <summary>Signals delivered late.</summary>
    public long SignalsDelayed { get; init; }

    /// <summary>Ticks whose signals were delivered out of sending order.</summary>
    public long Reorderings { get; init; }

    /// <summary>Partitions started.</summary>
    public long Partitions { get; init; }

    /// <summary>Signals lost to a partition.</summary>
    public long SignalsPartitioned { get; init; }

    /// <summary>Store outages started.</summary>
    public long StoreOutages { get; init; }

    /// <summary>Store writes applied whose reply was lost.</summary>
    public long RepliesLost { get; init; }

    /// <summary>Writes the agents saw end with an unknown outcome (<see cref="OutcomeUnknownException"/>).</summary>
    public long OutcomesUnknown { get; init; }
}

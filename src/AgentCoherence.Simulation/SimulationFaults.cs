namespace AgentCoherence.Simulation;

/// <summary>
/// The faults a run injects, each drawn from the run's seeded random source, so the same seed injects the same
/// faults at the same steps. Probabilities are per agent per tick (crash, stall), per signal (loss, duplication,
/// delay), per tick (a partition, a store outage starting) or per store write (a lost reply).
/// </summary>
public sealed record SimulationFaults
{
    /// <summary>An agent's process dies (its grants stay held until the sweep reclaims them); it restarts later with an empty cache.</summary>
    public double Crash { get; init; }

    /// <summary>Ticks until a crashed process restarts.</summary>
    public int RestartAfterTicks { get; init; } = 4;

    /// <summary>An agent's process stops (no operations, no heartbeats, signals held) and later resumes where it was.</summary>
    public double Stall { get; init; }

    /// <summary>The longest a stall lasts, in ticks.</summary>
    public int MaxStallTicks { get; init; } = 6;

    /// <summary>A signal is lost.</summary>
    public double SignalLoss { get; init; }

    /// <summary>A signal is delivered twice.</summary>
    public double SignalDuplication { get; init; }

    /// <summary>A signal is delivered late, by 1 to <see cref="MaxSignalDelayTicks"/> extra ticks.</summary>
    public double SignalDelay { get; init; }

    /// <summary>The longest extra delay of a delayed signal, in ticks.</summary>
    public int MaxSignalDelayTicks { get; init; } = 3;

    /// <summary>The signals due at a tick are delivered in a seeded random order instead of the order they were sent.</summary>
    public bool Reorder { get; init; }

    /// <summary>A partition starts: the agents split into two groups, and signals between the groups are lost while it lasts.</summary>
    public double Partition { get; init; }

    /// <summary>The longest a partition lasts, in ticks.</summary>
    public int MaxPartitionTicks { get; init; } = 5;

    /// <summary>A store outage starts: every store call fails while it lasts (a write may have been applied before its reply was lost).</summary>
    public double StoreOutage { get; init; }

    /// <summary>The longest a store outage lasts, in ticks.</summary>
    public int MaxOutageTicks { get; init; } = 3;

    /// <summary>A store write is applied but its reply is lost (outside outages too): the client's retry with the same operation id learns the outcome.</summary>
    public double LostReply { get; init; }

    /// <summary>No faults.</summary>
    public static SimulationFaults None { get; } = new();

    /// <summary>Every fault kind on, at rates that make each happen in a short run.</summary>
    public static SimulationFaults All { get; } = new()
    {
        Crash = 0.02,
        Stall = 0.04,
        SignalLoss = 0.1,
        SignalDuplication = 0.1,
        SignalDelay = 0.2,
        Reorder = true,
        Partition = 0.05,
        StoreOutage = 0.04,
        LostReply = 0.05,
    };

    /// <summary>True when any fault is on.</summary>
    public bool Any => Crash > 0 || Stall > 0 || SignalLoss > 0 || SignalDuplication > 0 || SignalDelay > 0 || Reorder || Partition > 0 || StoreOutage > 0 || LostReply > 0;

    /// <summary>
    /// Parses a fault list: <c>none</c>, <c>all</c>, or comma-separated kinds (<c>crash</c>, <c>stall</c>, <c>loss</c>,
    /// <c>duplication</c>, <c>delay</c>, <c>reorder</c>, <c>partition</c>, <c>outage</c>, <c>lost-reply</c>), each at the
    /// rate <see cref="All"/> uses.
    /// </summary>
    /// <exception cref="CoherenceArgumentException">A kind is not one of these.</exception>
    public static SimulationFaults Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var faults = None;
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            faults = part.ToLowerInvariant() switch
            {
                "none" => faults,
                "all" => All,
                "crash" => faults with { Crash = All.Crash },
                "stall" => faults with { Stall = All.Stall },
                "loss" => faults with { SignalLoss = All.SignalLoss },
                "duplication" => faults with { SignalDuplication = All.SignalDuplication },
                "delay" => faults with { SignalDelay = All.SignalDelay },
                "reorder" => faults with { Reorder = true },
                "partition" => faults with { Partition = All.Partition },
                "outage" => faults with { StoreOutage = All.StoreOutage },
                "lost-reply" => faults with { LostReply = All.LostReply },
                _ => throw new CoherenceArgumentException("faults", $"Unknown fault '{part}'. Use none, all, or a comma-separated list of crash, stall, loss, duplication, delay, reorder, partition, outage, lost-reply."),
            };
        }

        return faults;
    }
}

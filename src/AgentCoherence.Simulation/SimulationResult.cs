namespace AgentCoherence.Simulation;

/// <summary>The outcome of one run: what it ran, what it cost, the faults it injected, and the first invariant it broke (if any).</summary>
public sealed record SimulationResult
{
    /// <summary>The workload's name.</summary>
    public required string Workload { get; init; }

    /// <summary>The cache strategy.</summary>
    public required string Strategy { get; init; }

    /// <summary>The seed.</summary>
    public required int Seed { get; init; }

    /// <summary>Ticks run (fewer than the workload's when a violation stopped the run).</summary>
    public required int Ticks { get; init; }

    /// <summary>Agents in the fleet.</summary>
    public required int Agents { get; init; }

    /// <summary>The measures.</summary>
    public required SimulationMeasures Measures { get; init; }

    /// <summary>The faults injected.</summary>
    public required FaultCounts Faults { get; init; }

    /// <summary>The first invariant broken, or null.</summary>
    public InvariantViolation? Violation { get; init; }
}

namespace AgentCoherence.Simulation;

/// <summary>What a seed exploration found: every seed that broke an invariant, with the command that replays it.</summary>
/// <param name="FirstSeed">The first seed run.</param>
/// <param name="Seeds">How many seeds were run.</param>
/// <param name="Ticks">Ticks run over all seeds.</param>
/// <param name="Operations">Agent actions over all seeds.</param>
/// <param name="Faults">Faults injected over all seeds.</param>
/// <param name="Violations">The broken seeds, in seed order.</param>
public sealed record FuzzReport(int FirstSeed, int Seeds, long Ticks, long Operations, FaultCounts Faults, IReadOnlyList<InvariantViolation> Violations);

namespace AgentCoherence.Protocol;

/// <summary>What one sweep did.</summary>
/// <param name="Reclaimed">The grants taken away.</param>
/// <param name="PrunedEntries">How many S/I entries of long-silent agents were dropped.</param>
/// <param name="Signals">Reclaim signals for the former holders.</param>
public sealed record SweepResult(IReadOnlyList<Reclamation> Reclaimed, int PrunedEntries, IReadOnlyList<InvalidationSignal> Signals);

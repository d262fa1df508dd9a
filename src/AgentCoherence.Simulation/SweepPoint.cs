namespace AgentCoherence.Simulation;

/// <summary>One point of a sweep: the swept value, our savings over the seeds and the theorem's lower bound there.</summary>
/// <param name="X">The swept value (V, agents, tokens or signal-loss rate).</param>
/// <param name="Savings">Savings against broadcast, the paper's accounting.</param>
/// <param name="SavingsFull">Savings against broadcast, the full accounting.</param>
/// <param name="HitRate">The hit rate.</param>
/// <param name="StaleReads">Stale reads per run.</param>
/// <param name="LowerBound">The theorem's lower bound.</param>
public sealed record SweepPoint(double X, MeanSd Savings, MeanSd SavingsFull, MeanSd HitRate, MeanSd StaleReads, double LowerBound);

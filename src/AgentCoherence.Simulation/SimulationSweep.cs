namespace AgentCoherence.Simulation;

/// <summary>A sweep: one parameter of the paper's workload varied, a curve per strategy, the lower bound at every point.</summary>
/// <param name="Name">The sweep: <c>volatility</c>, <c>agents</c>, <c>artifact-size</c> or <c>signal-loss</c>.</param>
/// <param name="XLabel">What the x values are.</param>
/// <param name="Seeds">The seeds of every point.</param>
/// <param name="Series">One curve per strategy.</param>
public sealed record SimulationSweep(string Name, string XLabel, IReadOnlyList<int> Seeds, IReadOnlyList<SweepSeries> Series);

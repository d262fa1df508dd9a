namespace AgentCoherence.Simulation;

/// <summary>One strategy's curve in a sweep.</summary>
/// <param name="Strategy">The cache strategy.</param>
/// <param name="Points">The points, in the order of the swept values.</param>
public sealed record SweepSeries(string Strategy, IReadOnlyList<SweepPoint> Points);

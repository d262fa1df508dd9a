namespace AgentCoherence.Simulation;

/// <summary>An artifact of a simulated workload: its name and the size, in tokens, every version of it declares.</summary>
/// <param name="Name">The artifact's name (in the default namespace).</param>
/// <param name="SizeTokens">What one copy of it costs in tokens (a fetch, a commit, a broadcast push).</param>
public sealed record SimulatedArtifact(string Name, int SizeTokens);

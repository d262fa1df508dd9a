namespace AgentCoherence.Simulation;

/// <summary>One step of a scripted workload: at its own tick, an agent reads or writes one artifact.</summary>
/// <param name="Agent">The agent's name (one of <see cref="SimulationWorkload.AgentNames"/>).</param>
/// <param name="Write">True for a write (read, then acquire, commit, release), false for a read.</param>
/// <param name="Artifact">The artifact's name.</param>
public sealed record ScriptedStep(string Agent, bool Write, string Artifact);

namespace AgentCoherence.Protocol;

/// <summary>One grant taken away by the sweep.</summary>
/// <param name="Key">The artifact.</param>
/// <param name="Agent">The former holder.</param>
/// <param name="Info">Trigger, time and the new epoch.</param>
public sealed record Reclamation(ArtifactKey Key, AgentId Agent, ReclaimInfo Info);

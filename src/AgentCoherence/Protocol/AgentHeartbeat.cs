namespace AgentCoherence.Protocol;

/// <summary>
/// A registered agent and the last heartbeat the store recorded for it (its registration counts as one):
/// one item of <see cref="IDirectoryStore.ListAgentsAsync"/>.
/// </summary>
/// <param name="Agent">The agent.</param>
/// <param name="LastHeartbeat">When the store last heard from it, by the clock the store uses for heartbeats.</param>
public sealed record AgentHeartbeat(AgentId Agent, DateTimeOffset LastHeartbeat);

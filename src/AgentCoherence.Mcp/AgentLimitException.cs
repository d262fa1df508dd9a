namespace AgentCoherence.Mcp;

/// <summary>A call named a new agent while the server already serves <see cref="CoherenceMcpOptions.MaxAgents"/> others.</summary>
internal sealed class AgentLimitException(string agent, int limit)
    : Exception($"This server already serves {limit} agents (--max-agents); '{agent}' is not one of them. Reuse an agent name or restart the server with a higher limit.")
{
    public string Agent { get; } = agent;

    public int Limit { get; } = limit;
}

using Microsoft.Agents.AI;

namespace AgentCoherence.AgentFramework.Internal;

/// <summary>One <see cref="CoherentAgent"/> per name in a client, created on first use and shared by the integrations.</summary>
internal static class AgentCache
{
    /// <summary>
    /// The agent a call runs as: <paramref name="configured"/> when set, else the running framework agent's name (or id).
    /// </summary>
    public static CoherentAgent Current(CoherenceClient client, string? configured, string setting)
    {
        var id = configured;
        if (string.IsNullOrEmpty(id))
        {
            var running = AIAgent.CurrentRunContext?.Agent;
            id = running?.Name is { Length: > 0 } name ? name : running?.Id;
        }

        if (string.IsNullOrEmpty(id))
        {
            throw new InvalidOperationException(
                $"No agent identity: the call came from outside an agent run. Set {setting}, or call it from a tool of a running AIAgent.");
        }

        return For(client, id);
    }

    public static CoherentAgent For(CoherenceClient client, string id)
    {
        for (var attempt = 0; ; attempt++)
        {
            var existing = client.Agents.FirstOrDefault(agent => agent.Id.Value == id);
            if (existing is not null)
            {
                return existing;
            }

            try
            {
                return client.Agent(id);
            }
            catch (CoherenceArgumentException) when (attempt == 0)
            {
                // Another call created it between the lookup and the creation: take that one.
            }
        }
    }
}

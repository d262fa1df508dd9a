using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Agents.AI;

namespace AgentCoherence.AgentFramework.Tests;

#pragma warning disable MAAI001 // AgentSessionStore is experimental in the framework.

/// <summary>A session store shared by the "hosts" of a test: sessions serialized to JSON, as a database would hold them.</summary>
internal sealed class MemorySessionStore : AgentSessionStore
{
    private readonly ConcurrentDictionary<string, JsonElement> _sessions = new();

    public override async ValueTask<AgentSession?> GetSessionAsync(AIAgent agent, AgentSessionStoreKey key, CancellationToken cancellationToken = default) =>
        _sessions.TryGetValue(key.SessionId, out var json) ? await agent.DeserializeSessionAsync(json, cancellationToken: cancellationToken) : null;

    public override async ValueTask SaveSessionAsync(AIAgent agent, AgentSessionStoreKey key, AgentSession session, CancellationToken cancellationToken = default) =>
        _sessions[key.SessionId] = await agent.SerializeSessionAsync(session, cancellationToken: cancellationToken);

    public override ValueTask DeleteSessionAsync(AIAgent agent, AgentSessionStoreKey key, CancellationToken cancellationToken = default)
    {
        _sessions.TryRemove(key.SessionId, out _);
        return default;
    }

    public int Saves { get; private set; }
}

using System.Globalization;
using Microsoft.Agents.AI;

namespace AgentCoherence.AgentFramework;

// The framework marks its session-store surface experimental (MAAI001); this type decorates exactly that surface.
#pragma warning disable MAAI001

/// <summary>
/// An <see cref="AgentSessionStore"/> decorator that refuses to save a session over a newer one saved by another host:
/// two hosts that resume the same conversation cannot silently drop each other's turns. Each session has a version
/// artifact (<c>sessions/&lt;agent&gt;/&lt;session id&gt;</c>) in the coherence store: loading a session records this host's
/// view of it, and saving commits the next version first, so a save from a stale load is refused with
/// <see cref="StaleViewException"/> (reload the session, then save again) and the inner store is left untouched.
/// </summary>
/// <remarks>
/// The version commit and the inner save are two steps: a host that fails between them leaves a version with no matching
/// save, which only makes the other hosts reload before saving. The session content stays in the inner store.
/// </remarks>
public sealed class CoherentAgentSessionStore : DelegatingAgentSessionStore
{
    private readonly CoherenceClient _client;
    private readonly CoherentAgent _host;

    /// <summary>Creates the decorator.</summary>
    /// <param name="innerStore">The store that holds the sessions.</param>
    /// <param name="client">The coherence client shared by every host (for example over SQLite or Redis).</param>
    /// <param name="hostId">This host's name, unique among the hosts sharing the sessions; it is the AgentCoherence agent that loads and saves.</param>
    public CoherentAgentSessionStore(AgentSessionStore innerStore, CoherenceClient client, string hostId)
        : base(innerStore)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrWhiteSpace(hostId);
        _client = client;
        _host = Internal.AgentCache.For(client, hostId);
    }

    /// <inheritdoc />
    public override async ValueTask<AgentSession?> GetSessionAsync(AIAgent agent, AgentSessionStoreKey key, CancellationToken cancellationToken = default)
    {
        // The version is read before the session, so a save that lands in between makes this host's view stale (its save
        // is refused) rather than pairing an old version with new content.
        await _host.TryReadAsync(VersionKey(agent, key), cancellationToken).ConfigureAwait(false);
        return await base.GetSessionAsync(agent, key, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <exception cref="StaleViewException">Another host saved the session since this host loaded it.</exception>
    public override async ValueTask SaveSessionAsync(AIAgent agent, AgentSessionStoreKey key, AgentSession session, CancellationToken cancellationToken = default)
    {
        await _host.WriteAsync(VersionKey(agent, key), Stamp(), cancellationToken).ConfigureAwait(false);
        await base.SaveSessionAsync(agent, key, session, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <exception cref="StaleViewException">Another host saved the session since this host loaded it.</exception>
    public override async ValueTask DeleteSessionAsync(AIAgent agent, AgentSessionStoreKey key, CancellationToken cancellationToken = default)
    {
        var versionKey = VersionKey(agent, key);
        var status = await _client.InspectAsync(versionKey, cancellationToken).ConfigureAwait(false);
        if (status.Exists && !status.IsDeleted)
        {
            await _host.DeleteAsync(versionKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        await base.DeleteSessionAsync(agent, key, cancellationToken).ConfigureAwait(false);
    }

    private ArtifactKey VersionKey(AIAgent agent, AgentSessionStoreKey key)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(key);
        var partitions = key.Partitions is { Count: > 0 } parts
            ? string.Concat(parts.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}/"))
            : "";
        return _client.Key($"sessions/{agent.Name ?? agent.Id}/{partitions}{key.SessionId}");
    }

    private string Stamp() => _client.Time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture) + " " + _host.Id.Value;
}

using AgentCoherence.Protocol;

namespace AgentCoherence.Cli.Status;

/// <summary>One reclamation found on a holder entry: the sweep took <see cref="Agent"/>'s grant on <see cref="Key"/>.</summary>
internal sealed record ReclaimRow(ArtifactKey Key, AgentId Agent, ReclaimInfo Info);

/// <summary>
/// What <c>coherence status</c> read from a store: every record (no content) and every registered agent, with the
/// time the status was taken (the clock ages are measured against).
/// </summary>
internal sealed class StoreStatus
{
    public StoreStatus(string kind, string address, DateTimeOffset takenAt, IEnumerable<DirectoryRecord> records, IEnumerable<AgentHeartbeat> agents)
    {
        Kind = kind;
        Address = address;
        TakenAt = takenAt;
        Records = records.OrderBy(r => r.Key.Namespace, StringComparer.Ordinal).ThenBy(r => r.Key.Name, StringComparer.Ordinal).ToArray();
        Agents = agents.OrderBy(a => a.Agent.Value, StringComparer.Ordinal).ToArray();
        Reclaims = Records
            .SelectMany(r => r.Holders.Where(h => h.Value.LastReclaim is not null).Select(h => new ReclaimRow(r.Key, h.Key, h.Value.LastReclaim!)))
            .OrderByDescending(r => r.Info.At)
            .ThenBy(r => r.Key.StoreKey, StringComparer.Ordinal)
            .ThenBy(r => r.Agent.Value, StringComparer.Ordinal)
            .ToArray();
    }

    /// <summary><c>memory-demo</c>, <c>sqlite</c> or <c>redis</c>.</summary>
    public string Kind { get; }

    /// <summary>The database file, or the Redis endpoints and key prefix (never a password).</summary>
    public string Address { get; }

    public DateTimeOffset TakenAt { get; }

    /// <summary>Every record, by namespace then name (ordinal).</summary>
    public IReadOnlyList<DirectoryRecord> Records { get; }

    /// <summary>Every registered agent, by id (ordinal).</summary>
    public IReadOnlyList<AgentHeartbeat> Agents { get; }

    /// <summary>Every reclamation the holder entries still record, newest first.</summary>
    public IReadOnlyList<ReclaimRow> Reclaims { get; }

    /// <summary>Reads a status from any store that lists (<see cref="IDirectoryStore.ListRecordsAsync"/>).</summary>
    public static Task<StoreStatus> ReadAsync(IDirectoryStore store, string kind, string address, TimeProvider clock, CancellationToken cancellationToken) =>
        ReadAsync(store, kind, address, _ => ValueTask.FromResult(clock.GetUtcNow()), cancellationToken);

    /// <summary>Reads a status, then asks <paramref name="now"/> for the time it was taken (after the listing, so no age is negative).</summary>
    public static async Task<StoreStatus> ReadAsync(IDirectoryStore store, string kind, string address, Func<CancellationToken, ValueTask<DateTimeOffset>> now, CancellationToken cancellationToken)
    {
        var records = new List<DirectoryRecord>();
        await foreach (var record in store.ListRecordsAsync(cancellationToken).ConfigureAwait(false))
        {
            records.Add(record);
        }

        var agents = new List<AgentHeartbeat>();
        await foreach (var agent in store.ListAgentsAsync(cancellationToken).ConfigureAwait(false))
        {
            agents.Add(agent);
        }

        return new StoreStatus(kind, address, await now(cancellationToken).ConfigureAwait(false), records, agents);
    }
}

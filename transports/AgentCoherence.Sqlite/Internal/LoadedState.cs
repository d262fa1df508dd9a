namespace AgentCoherence.Sqlite.Internal;

/// <summary>
/// The part of the directory one operation touches, loaded inside its transaction, plus a copy of
/// what was on disk so that only what the rules changed is written back.
/// </summary>
internal sealed class LoadedState
{
    private readonly Dictionary<ArtifactKey, DirectoryRecord?> _recordsOnDisk = [];
    private readonly Dictionary<AgentId, DateTimeOffset?> _agentsOnDisk = [];

    /// <summary>The state the rules run on.</summary>
    public DirectoryState State { get; } = new();

    /// <summary>The keys loaded so far (present on disk or not).</summary>
    public IEnumerable<ArtifactKey> LoadedKeys => _recordsOnDisk.Keys;

    public bool HasKey(ArtifactKey key) => _recordsOnDisk.ContainsKey(key);

    public bool HasAgent(AgentId agent) => _agentsOnDisk.ContainsKey(agent);

    /// <summary>Adds a record read from disk (null when the table has no row for the key).</summary>
    public void AddRecord(ArtifactKey key, DirectoryRecord? record)
    {
        _recordsOnDisk[key] = record?.Clone();
        if (record is not null)
        {
            State.Records[key] = record;
        }
    }

    /// <summary>Adds an agent's heartbeat read from disk (null when it is not registered).</summary>
    public void AddAgent(AgentId agent, DateTimeOffset? heartbeat)
    {
        _agentsOnDisk[agent] = heartbeat;
        if (heartbeat is { } at)
        {
            State.Heartbeats[agent] = at;
        }
    }

    /// <summary>The record as it was on disk; null when it had no row.</summary>
    public DirectoryRecord? OnDisk(ArtifactKey key) => _recordsOnDisk.GetValueOrDefault(key);

    /// <summary>The agents loaded, with their heartbeat on disk (null when unregistered).</summary>
    public IReadOnlyDictionary<AgentId, DateTimeOffset?> AgentsOnDisk => _agentsOnDisk;

    /// <summary>True when two holder entries differ in anything stored.</summary>
    public static bool Differs(HolderEntry a, HolderEntry b) =>
        a.State != b.State
        || a.ViewVersion != b.ViewVersion
        || a.ReadEpoch != b.ReadEpoch
        || a.GrantedAt != b.GrantedAt
        || a.LastReclaim != b.LastReclaim;

    /// <summary>True when the record's stored columns other than the content differ.</summary>
    public static bool MetadataDiffers(DirectoryRecord a, DirectoryRecord b) =>
        a.Version != b.Version
        || a.IsTombstone != b.IsTombstone
        || a.ContentHash != b.ContentHash
        || a.SizeTokens != b.SizeTokens
        || a.LastWriter != b.LastWriter
        || a.CommittedAt != b.CommittedAt
        || a.OwnerEpoch != b.OwnerEpoch;
}

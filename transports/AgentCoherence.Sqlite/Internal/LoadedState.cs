using AgentCoherence.Protocol;

namespace AgentCoherence.Sqlite.Internal;

/// <summary>
/// The part of the directory one operation touches, loaded inside its transaction, plus a copy of
/// what was on disk so that only what the rules changed is written back.
/// </summary>
internal sealed class LoadedState
{
    private readonly Dictionary<ArtifactKey, DirectoryRecord?> _recordsOnDisk = [];
    private readonly Dictionary<AgentId, DateTimeOffset?> _agentsOnDisk = [];
    private readonly List<AgentId> _forgottenOperations = [];
    private readonly Dictionary<AgentId, long> _newestOperation = [];

    public LoadedState()
    {
        // The log holds only the one operation loaded (if any); what the rules record is saved from TakeAdded.
        State.Operations.TrackAdded = true;
    }

    /// <summary>The state the rules run on.</summary>
    public DirectoryState State { get; } = new();

    /// <summary>The agents whose whole operation log is to be deleted (Forget).</summary>
    public IReadOnlyList<AgentId> ForgottenOperations => _forgottenOperations;

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

    /// <summary>Notes the sequence number of the agent's newest recorded operation on disk (0 when it has none).</summary>
    public void AddNewestOperation(AgentId agent, long seq) => _newestOperation[agent] = seq;

    /// <summary>The sequence number for the next operation the agent records (numbered on from the one loaded).</summary>
    /// <exception cref="InvalidOperationException">The agent's log was not loaded: the rules recorded an operation the store did not look up.</exception>
    public long NextOperationSeq(AgentId agent) => _newestOperation.TryGetValue(agent, out var newest)
        ? _newestOperation[agent] = newest + 1
        : throw new InvalidOperationException($"The rules recorded an operation of '{agent}' whose log this operation did not load.");

    /// <summary>
    /// Deletes the agent's operation log on save: what <see cref="CoherenceRules.Forget"/> does to the
    /// log, which only holds the part loaded here.
    /// </summary>
    public void ForgetOperations(AgentId agent) => _forgottenOperations.Add(agent);

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

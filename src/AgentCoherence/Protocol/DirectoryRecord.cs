namespace AgentCoherence.Protocol;

/// <summary>
/// The authority's truth about one artifact. Mutable: stores load it, apply one
/// <see cref="CoherenceRules"/> step to it atomically, and persist it.
/// </summary>
public sealed class DirectoryRecord
{
    /// <summary>Creates the record of an artifact that never existed (version 0).</summary>
    public DirectoryRecord(ArtifactKey key)
    {
        Key = key ?? throw new ArgumentNullException(nameof(key));
    }

    /// <summary>The artifact.</summary>
    public ArtifactKey Key { get; }

    /// <summary>0 = never existed; +1 on every successful commit or delete; never decreases.</summary>
    public long Version { get; set; }

    /// <summary>True when the current version is a delete (content absent).</summary>
    public bool IsTombstone { get; set; }

    /// <summary>True when the artifact has a live (non-tombstone) version.</summary>
    public bool Exists => Version > 0 && !IsTombstone;

    /// <summary>SHA-256 hex of the committed bytes; null for tombstones and never-existing artifacts.</summary>
    public string? ContentHash { get; set; }

    /// <summary>The committed content's size in tokens.</summary>
    public int SizeTokens { get; set; }

    /// <summary>The committed bytes, when the store holds them.</summary>
    public byte[]? Content { get; set; }

    /// <summary>Who committed the current version.</summary>
    public AgentId? LastWriter { get; set; }

    /// <summary>When the current version was committed.</summary>
    public DateTimeOffset? CommittedAt { get; set; }

    /// <summary>Ownership epoch: starts at 0, +1 on every reclamation of a grant.</summary>
    public long OwnerEpoch { get; set; }

    /// <summary>Per-agent entries, for every agent that touched the artifact and was not pruned.</summary>
    public Dictionary<AgentId, HolderEntry> Holders { get; } = new();

    /// <summary>The agent holding E or M, if any.</summary>
    public AgentId? GrantHolder
    {
        get
        {
            foreach (var (agent, entry) in Holders)
            {
                if (entry.State.HoldsGrant())
                {
                    return agent;
                }
            }

            return null;
        }
    }

    /// <summary>A deep copy (content bytes are immutable once committed and are shared).</summary>
    public DirectoryRecord Clone()
    {
        var copy = new DirectoryRecord(Key)
        {
            Version = Version,
            IsTombstone = IsTombstone,
            ContentHash = ContentHash,
            SizeTokens = SizeTokens,
            Content = Content,
            LastWriter = LastWriter,
            CommittedAt = CommittedAt,
            OwnerEpoch = OwnerEpoch,
        };
        foreach (var (agent, entry) in Holders)
        {
            copy.Holders[agent] = entry.Clone();
        }

        return copy;
    }
}

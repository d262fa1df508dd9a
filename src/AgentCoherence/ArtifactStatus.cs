using AgentCoherence.Protocol;

namespace AgentCoherence;

/// <summary>
/// What the directory store records about one artifact at one moment: its version, whether that version is a
/// delete, the owner epoch, who holds the write grant and every agent's view. Returned by
/// <see cref="CoherenceClient.InspectAsync"/>, which registers no view and changes nothing in the store, so a
/// status display or a check such as "did the artifact move since I looked?" leaves no trace.
/// </summary>
public sealed class ArtifactStatus
{
    private ArtifactStatus(ArtifactKey key, bool isTracked, long version, bool isDeleted, string? contentHash, int sizeTokens,
        AgentId? lastWriter, DateTimeOffset? committedAt, long ownerEpoch, IReadOnlyList<ArtifactHolder> holders, ReadOnlyMemory<byte>? content)
    {
        Key = key;
        IsTracked = isTracked;
        Version = version;
        IsDeleted = isDeleted;
        ContentHash = contentHash;
        SizeTokens = sizeTokens;
        LastWriter = lastWriter;
        CommittedAt = committedAt;
        OwnerEpoch = ownerEpoch;
        Holders = holders;
        Content = content;
    }

    /// <summary>The artifact.</summary>
    public ArtifactKey Key { get; }

    /// <summary>
    /// True when the store holds a record of the artifact (some agent wrote, deleted, read or acquired it). False for
    /// an artifact the store never heard of: version 0, no holders.
    /// </summary>
    public bool IsTracked { get; }

    /// <summary>The current version: 0 when it never existed, a delete's (tombstone's) version when <see cref="IsDeleted"/>.</summary>
    public long Version { get; }

    /// <summary>True when the current version is a delete (a tombstone): the artifact has no content.</summary>
    public bool IsDeleted { get; }

    /// <summary>True when the artifact has a live version (not 0, not deleted).</summary>
    public bool Exists => Version > 0 && !IsDeleted;

    /// <summary>Lower-case SHA-256 hex of the current version's content; null when the artifact does not exist.</summary>
    public string? ContentHash { get; }

    /// <summary>The current version's size in tokens, as its writer counted them.</summary>
    public int SizeTokens { get; }

    /// <summary>Who committed the current version (or the delete).</summary>
    public AgentId? LastWriter { get; }

    /// <summary>When the current version was committed.</summary>
    public DateTimeOffset? CommittedAt { get; }

    /// <summary>The ownership epoch: 0 at first, one more every time the sweep reclaimed a grant on the artifact.</summary>
    public long OwnerEpoch { get; }

    /// <summary>Every agent the store keeps an entry for on this artifact, ordered by agent id (ordinal).</summary>
    public IReadOnlyList<ArtifactHolder> Holders { get; }

    /// <summary>The agent holding the write grant, if any.</summary>
    public AgentId? GrantHolder => Holders.FirstOrDefault(h => h.HoldsGrant)?.Agent;

    /// <summary>
    /// The current version's bytes, only in the status handed to a
    /// <see cref="CoherenceClient.InspectAtomicallyAsync{T}(ArtifactKey, Func{ArtifactStatus, T}, CancellationToken)"/>
    /// callback, and only when the store keeps content; null otherwise. (Reading content for work goes through an agent,
    /// which registers the view it read.)
    /// </summary>
    public ReadOnlyMemory<byte>? Content { get; }

    /// <summary>The agent's entry, or null when the store keeps none for it.</summary>
    public ArtifactHolder? HolderOf(AgentId agent) => Holders.FirstOrDefault(h => h.Agent == agent);

    /// <inheritdoc />
    public override string ToString() =>
        $"{Key} v{Version}{(IsDeleted ? " (deleted)" : string.Empty)} epoch {OwnerEpoch} [{string.Join(", ", Holders)}]";

    /// <summary>A status from a copy of the store's record (null: the store has none).</summary>
    internal static ArtifactStatus From(ArtifactKey key, DirectoryRecord? record, bool includeContent)
    {
        if (record is null)
        {
            return new ArtifactStatus(key, isTracked: false, 0, isDeleted: false, null, 0, null, null, 0, [], null);
        }

        var holders = record.Holders
            .OrderBy(h => h.Key.Value, StringComparer.Ordinal)
            .Select(h => ArtifactHolder.From(h.Key, h.Value))
            .ToArray();
        var content = includeContent && record.Exists && record.Content is { } bytes ? new ReadOnlyMemory<byte>(bytes) : (ReadOnlyMemory<byte>?)null;
        return new ArtifactStatus(key, isTracked: true, record.Version, record.IsTombstone, record.ContentHash,
            record.SizeTokens, record.LastWriter, record.CommittedAt, record.OwnerEpoch, holders, content);
    }
}

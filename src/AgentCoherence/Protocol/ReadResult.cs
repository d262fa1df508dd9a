namespace AgentCoherence.Protocol;

/// <summary>The outcome of a Read.</summary>
public sealed class ReadResult
{
    /// <summary>Null when the artifact was read; NotFound (carrying a tombstone's version) or UnknownAgent otherwise.</summary>
    public Refusal? Refusal { get; init; }

    /// <summary>The artifact's current version (a tombstone's version when deleted, 0 when it never existed).</summary>
    public long Version { get; init; }

    /// <summary>The artifact's owner epoch when it was read (the reader's read epoch from now on).</summary>
    public long OwnerEpoch { get; init; }

    /// <summary>False when the caller passed the current version as known, so no content moved.</summary>
    public bool ContentIncluded { get; init; }

    /// <summary>The committed bytes, when included and held by the store.</summary>
    public byte[]? Content { get; init; }

    /// <summary>SHA-256 hex of the content.</summary>
    public string? ContentHash { get; init; }

    /// <summary>The content's size in tokens.</summary>
    public int SizeTokens { get; init; }

    /// <summary>Who committed the version.</summary>
    public AgentId? LastWriter { get; init; }

    /// <summary>When the version was committed.</summary>
    public DateTimeOffset? CommittedAt { get; init; }
}

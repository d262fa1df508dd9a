namespace AgentCoherence.Recording;

/// <summary>One member of a recorded <see cref="RecordingOperation.CommitAll"/>.</summary>
public sealed record RecordingMember
{
    /// <summary>The artifact's store key.</summary>
    public required string Key { get; init; }

    /// <summary>The version the member was based on.</summary>
    public long Expected { get; init; }

    /// <summary>The member's version after the publish, or the current version when refused.</summary>
    public long? Version { get; init; }

    /// <summary>Why this member was refused, when it was.</summary>
    public RefusalReason? Reason { get; init; }

    /// <summary>Hex SHA-256 of the member's content.</summary>
    public string? Hash { get; init; }

    /// <summary>Content size in bytes.</summary>
    public long? Size { get; init; }

    /// <summary>Content size in tokens.</summary>
    public int? Tokens { get; init; }

    /// <summary>The content, base64, only when the recording includes content.</summary>
    public string? Content { get; init; }
}

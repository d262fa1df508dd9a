using System.Text;

namespace AgentCoherence;

/// <summary>An immutable copy of one version of an artifact, as an agent observed it.</summary>
public sealed class ArtifactView
{
    private readonly byte[] _content;
    private string? _text;

    internal ArtifactView(ArtifactKey key, long version, byte[] content, string? contentHash, int sizeTokens, AgentId? lastWriter, DateTimeOffset? committedAt)
    {
        Key = key;
        Version = version;
        _content = content;
        ContentHash = contentHash;
        SizeTokens = sizeTokens;
        LastWriter = lastWriter;
        CommittedAt = committedAt;
    }

    /// <summary>The artifact.</summary>
    public ArtifactKey Key { get; }

    /// <summary>The version observed; pass it as the expected version of a compare-and-set.</summary>
    public long Version { get; }

    /// <summary>The content's bytes.</summary>
    public ReadOnlyMemory<byte> Content => _content;

    /// <summary>The content decoded as UTF-8 (decoded once, on first use).</summary>
    public string Text => _text ??= Encoding.UTF8.GetString(_content);

    /// <summary>SHA-256 hex of the content.</summary>
    public string? ContentHash { get; }

    /// <summary>The content's size in tokens.</summary>
    public int SizeTokens { get; }

    /// <summary>Who committed this version.</summary>
    public AgentId? LastWriter { get; }

    /// <summary>When this version was committed.</summary>
    public DateTimeOffset? CommittedAt { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Key} v{Version} ({_content.Length} bytes)";
}

using System.Security.Cryptography;

namespace AgentCoherence.Protocol;

/// <summary>Content to commit: the bytes (copied, then immutable), their SHA-256 hex and their size in tokens.</summary>
public sealed class ContentPayload
{
    private ContentPayload(byte[] bytes, string hash, int sizeTokens)
    {
        Bytes = bytes;
        Hash = hash;
        SizeTokens = sizeTokens;
    }

    /// <summary>The bytes. Never mutated after creation.</summary>
    public byte[] Bytes { get; }

    /// <summary>Lower-case SHA-256 hex of <see cref="Bytes"/>.</summary>
    public string Hash { get; }

    /// <summary>The content's size in tokens, as declared by the committer's token counter.</summary>
    public int SizeTokens { get; }

    /// <summary>Copies the bytes and hashes them.</summary>
    /// <param name="content">The content.</param>
    /// <param name="sizeTokens">Its size in tokens (non-negative).</param>
    public static ContentPayload Create(ReadOnlySpan<byte> content, int sizeTokens)
    {
        if (sizeTokens < 0)
        {
            throw new CoherenceArgumentException(nameof(sizeTokens), "sizeTokens must not be negative.");
        }

        return new ContentPayload(content.ToArray(), HashHex(content), sizeTokens);
    }

    /// <summary>Lower-case SHA-256 hex of the bytes.</summary>
    public static string HashHex(ReadOnlySpan<byte> content)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(content, digest);
        return Convert.ToHexStringLower(digest);
    }
}

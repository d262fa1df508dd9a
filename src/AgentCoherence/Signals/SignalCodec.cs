using System.Buffers.Binary;
using System.Text;

namespace AgentCoherence.Signals;

/// <summary>
/// The wire format every broker transport carries: one signal per message, binary, versioned.
/// <code>
/// byte    format version (2)
/// byte    kind (1 commit, 2 delete, 3 reclaim)
/// int64   new version, big-endian, ≥ 0
/// int64   owner epoch, big-endian, ≥ 0 (absent in format 1, read as 0)
/// 3 ×     uint16 length (big-endian) + UTF-8 bytes: issuer, recipient, artifact store key
/// </code>
/// The epoch travels so receivers tell a second reclaim at the same version from a duplicate. Format 1
/// messages (from an older sender during a rolling upgrade) are still read.
/// A message that is truncated, too long (over <see cref="MaxMessageBytes"/>), of an unknown format
/// or kind, or whose ids or key fail validation is rejected with a reason; it is never applied.
/// </summary>
public static class SignalCodec
{
    /// <summary>The format version this build writes and reads.</summary>
    public const byte FormatVersion = 2;

    /// <summary>The largest message accepted.</summary>
    public const int MaxMessageBytes = 4096;

    /// <summary>Encodes a signal.</summary>
    public static byte[] Encode(InvalidationSignal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        var issuer = Encoding.UTF8.GetBytes(signal.Issuer.Value);
        var recipient = Encoding.UTF8.GetBytes(signal.Recipient.Value);
        var key = Encoding.UTF8.GetBytes(signal.Key.StoreKey);
        var buffer = new byte[1 + 1 + 8 + 8 + 6 + issuer.Length + recipient.Length + key.Length];
        buffer[0] = FormatVersion;
        buffer[1] = (byte)signal.Kind;
        BinaryPrimitives.WriteInt64BigEndian(buffer.AsSpan(2), signal.NewVersion);
        BinaryPrimitives.WriteInt64BigEndian(buffer.AsSpan(10), signal.OwnerEpoch);
        var offset = 18;
        foreach (var part in (ReadOnlySpan<byte[]>)[issuer, recipient, key])
        {
            BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(offset), checked((ushort)part.Length));
            part.CopyTo(buffer, offset + 2);
            offset += 2 + part.Length;
        }

        return buffer;
    }

    /// <summary>Decodes a message; false (with the reason) when it is malformed.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> message, out InvalidationSignal? signal, out string? error)
    {
        signal = null;
        if (message.Length > MaxMessageBytes)
        {
            error = $"message is {message.Length} bytes; the limit is {MaxMessageBytes}";
            return false;
        }

        if (message.Length < 16)
        {
            error = $"message is {message.Length} bytes; a signal needs at least 16";
            return false;
        }

        if (message[0] is not (1 or FormatVersion))
        {
            error = $"unknown format version {message[0]}";
            return false;
        }

        var kind = (SignalKind)message[1];
        if (!Enum.IsDefined(kind))
        {
            error = $"unknown signal kind {message[1]}";
            return false;
        }

        var version = BinaryPrimitives.ReadInt64BigEndian(message[2..]);
        if (version < 0)
        {
            error = $"negative version {version}";
            return false;
        }

        long epoch = 0;
        var headerLength = 10;
        if (message[0] == FormatVersion)
        {
            headerLength = 18;
            if (message.Length < headerLength + 6)
            {
                error = "message is truncated";
                return false;
            }

            epoch = BinaryPrimitives.ReadInt64BigEndian(message[10..]);
            if (epoch < 0)
            {
                error = $"negative owner epoch {epoch}";
                return false;
            }
        }

        var rest = message[headerLength..];
        Span<Range> parts = stackalloc Range[3];
        var offset = 0;
        for (var i = 0; i < 3; i++)
        {
            if (rest.Length - offset < 2)
            {
                error = "message is truncated";
                return false;
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(rest[offset..]);
            if (rest.Length - offset - 2 < length)
            {
                error = "message is truncated";
                return false;
            }

            parts[i] = new Range(offset + 2, offset + 2 + length);
            offset += 2 + length;
        }

        if (offset != rest.Length)
        {
            error = $"{rest.Length - offset} trailing bytes";
            return false;
        }

        try
        {
            var issuer = AgentId.FromTrusted(Decode(rest[parts[0]]));
            var recipient = new AgentId(Decode(rest[parts[1]]));
            var key = ArtifactKey.FromStoreKey(Decode(rest[parts[2]]));
            signal = new InvalidationSignal(key, version, issuer, kind, recipient, epoch);
            error = null;
            return true;
        }
        catch (Exception ex) when (ex is CoherenceArgumentException or DecoderFallbackException)
        {
            error = ex.Message;
            return false;
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static string Decode(ReadOnlySpan<byte> bytes) => StrictUtf8.GetString(bytes);
}

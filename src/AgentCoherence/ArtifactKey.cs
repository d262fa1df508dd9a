using System.Text;

namespace AgentCoherence;

/// <summary>
/// Names a shared artifact: a namespace (for example a team or a workspace) and a name inside it
/// (for example <c>plans/plan.md</c>). Both parts are validated when the key is created.
/// </summary>
/// <remarks>
/// <see cref="StoreKey"/> is an injective encoding of the pair: separators and the characters
/// that stores treat specially are percent-escaped, so two different keys never share a store key.
/// </remarks>
public sealed class ArtifactKey : IEquatable<ArtifactKey>
{
    /// <summary>The longest namespace accepted, in characters.</summary>
    public const int MaxNamespaceLength = 128;

    /// <summary>The longest name accepted, in characters.</summary>
    public const int MaxNameLength = 512;

    /// <summary>The namespace used when a caller gives only a name.</summary>
    public const string DefaultNamespace = "default";

    private readonly int _hash;

    /// <summary>Creates a key after validating both parts.</summary>
    /// <param name="namespace">The namespace: 1 to <see cref="MaxNamespaceLength"/> characters, no control characters.</param>
    /// <param name="name">The name: 1 to <see cref="MaxNameLength"/> characters, no control characters.</param>
    /// <exception cref="CoherenceArgumentException">A part is empty, too long, or holds a control character.</exception>
    public ArtifactKey(string @namespace, string name)
    {
        Validate(@namespace, nameof(@namespace), MaxNamespaceLength);
        Validate(name, nameof(name), MaxNameLength);
        Namespace = @namespace;
        Name = name;
        StoreKey = Escape(@namespace) + ":" + Escape(name);
        _hash = StringComparer.Ordinal.GetHashCode(StoreKey);
    }

    /// <summary>The namespace part.</summary>
    public string Namespace { get; }

    /// <summary>The name part.</summary>
    public string Name { get; }

    /// <summary>The collision-free encoding used by stores: <c>escape(namespace) + ":" + escape(name)</c>.</summary>
    public string StoreKey { get; }

    /// <summary>Creates a key in <see cref="DefaultNamespace"/>.</summary>
    public static ArtifactKey Of(string name) => new(DefaultNamespace, name);

    /// <summary>Decodes a <see cref="StoreKey"/> back into a key.</summary>
    /// <exception cref="CoherenceArgumentException">The text is not a store key.</exception>
    public static ArtifactKey FromStoreKey(string storeKey)
    {
        ArgumentNullException.ThrowIfNull(storeKey);
        var separator = storeKey.IndexOf(':', StringComparison.Ordinal);
        if (separator <= 0 || storeKey.IndexOf(':', separator + 1) >= 0)
        {
            throw new CoherenceArgumentException("storeKey", $"'{Truncate(storeKey)}' is not a store key (expected one unescaped ':').");
        }

        return new ArtifactKey(Unescape(storeKey[..separator]), Unescape(storeKey[(separator + 1)..]));
    }

    /// <inheritdoc />
    public bool Equals(ArtifactKey? other) =>
        other is not null && (ReferenceEquals(this, other) || (_hash == other._hash && string.Equals(StoreKey, other.StoreKey, StringComparison.Ordinal)));

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as ArtifactKey);

    /// <inheritdoc />
    public override int GetHashCode() => _hash;

    /// <summary>Returns <c>namespace/name</c>, or just the name in the default namespace.</summary>
    public override string ToString() => Namespace == DefaultNamespace ? Name : Namespace + "/" + Name;

    /// <summary>Equality by value.</summary>
    public static bool operator ==(ArtifactKey? left, ArtifactKey? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Inequality by value.</summary>
    public static bool operator !=(ArtifactKey? left, ArtifactKey? right) => !(left == right);

    internal static void Validate(string? value, string parameter, int maxLength)
    {
        if (value is null)
        {
            throw new CoherenceArgumentException(parameter, $"{parameter} must not be null.");
        }

        if (value.Length == 0 || string.IsNullOrWhiteSpace(value))
        {
            throw new CoherenceArgumentException(parameter, $"{parameter} must not be empty or whitespace.");
        }

        if (value.Length > maxLength)
        {
            throw new CoherenceArgumentException(parameter, $"{parameter} is {value.Length} characters long; the limit is {maxLength}.");
        }

        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsControl(value[i]))
            {
                throw new CoherenceArgumentException(parameter, $"{parameter} holds a control character (U+{(int)value[i]:X4}) at index {i}.");
            }
        }
    }

    internal static string Truncate(string value) => value.Length <= 64 ? value : value[..61] + "...";

    // '%' first so escapes never nest; ':' separates the parts; braces would otherwise form a
    // Redis Cluster hash tag inside a name.
    private static string Escape(string part)
    {
        if (part.AsSpan().IndexOfAny("%:{}") < 0)
        {
            return part;
        }

        var builder = new StringBuilder(part.Length + 8);
        foreach (var c in part)
        {
            _ = c switch
            {
                '%' => builder.Append("%25"),
                ':' => builder.Append("%3A"),
                '{' => builder.Append("%7B"),
                '}' => builder.Append("%7D"),
                _ => builder.Append(c),
            };
        }

        return builder.ToString();
    }

    private static string Unescape(string part) =>
        part.Contains('%', StringComparison.Ordinal)
            ? part.Replace("%3A", ":", StringComparison.Ordinal)
                .Replace("%7B", "{", StringComparison.Ordinal)
                .Replace("%7D", "}", StringComparison.Ordinal)
                .Replace("%25", "%", StringComparison.Ordinal)
            : part;
}

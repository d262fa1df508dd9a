namespace AgentCoherence;

/// <summary>
/// Identifies an agent: 1 to <see cref="MaxLength"/> characters, no whitespace or control
/// characters, not starting with <c>#</c> (reserved for the library's own actors such as the sweeper).
/// </summary>
public readonly struct AgentId : IEquatable<AgentId>
{
    /// <summary>The longest agent id accepted, in characters.</summary>
    public const int MaxLength = 128;

    /// <summary>The issuer of signals produced by crash recovery.</summary>
    public static readonly AgentId Sweeper = new("#sweeper", validated: true);

    private readonly string? _value;

    /// <summary>Creates an agent id after validating it.</summary>
    /// <exception cref="CoherenceArgumentException">The id is empty, too long, holds whitespace or control characters, or starts with '#'.</exception>
    public AgentId(string value)
    {
        ArtifactKey.Validate(value, "agentId", MaxLength);
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsWhiteSpace(value[i]))
            {
                throw new CoherenceArgumentException("agentId", $"agentId '{ArtifactKey.Truncate(value)}' holds whitespace at index {i}.");
            }
        }

        if (value[0] == '#')
        {
            throw new CoherenceArgumentException("agentId", "agentId must not start with '#': that prefix is reserved for the library's own actors.");
        }

        _value = value;
    }

    private AgentId(string value, bool validated)
    {
        _ = validated;
        _value = value;
    }

    /// <summary>The id's text.</summary>
    public string Value => _value ?? throw new InvalidOperationException("An uninitialized AgentId was used.");

    /// <summary>True for ids reserved for the library itself (<see cref="Sweeper"/>).</summary>
    public bool IsSystem => _value is not null && _value[0] == '#';

    /// <summary>Parses an id received from outside (a bus message, a store row), accepting reserved ids.</summary>
    internal static AgentId FromTrusted(string value) =>
        value.Length > 0 && value[0] == '#' ? new AgentId(value, validated: true) : new AgentId(value);

    /// <inheritdoc />
    public bool Equals(AgentId other) => string.Equals(_value, other._value, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is AgentId other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => _value is null ? 0 : StringComparer.Ordinal.GetHashCode(_value);

    /// <inheritdoc />
    public override string ToString() => _value ?? string.Empty;

    /// <summary>Equality by value.</summary>
    public static bool operator ==(AgentId left, AgentId right) => left.Equals(right);

    /// <summary>Inequality by value.</summary>
    public static bool operator !=(AgentId left, AgentId right) => !left.Equals(right);

    /// <summary>Converts a string into a validated id.</summary>
    public static implicit operator AgentId(string value) => new(value);
}

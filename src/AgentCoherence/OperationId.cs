using System.Buffers;

namespace AgentCoherence;

/// <summary>
/// The id a client gives one write (Acquire, Commit, CommitCas, Delete, CommitAll, Release). The store
/// records, per agent, the ids it applied with their results in the same atomic step as the write, so a
/// retry with the same id returns the recorded result and applies nothing: a write whose reply was lost
/// can be retried safely, and resolving it never touches the protocol state. <c>default</c> means none
/// (the write is not recorded and a retry would be checked afresh).
/// </summary>
public readonly record struct OperationId
{
    /// <summary>The longest id accepted.</summary>
    public const int MaxLength = 64;

    private static readonly SearchValues<char> Allowed = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:");

    /// <summary>Wraps an id: 1 to 64 characters of ASCII letters, digits and <c>- _ . :</c>.</summary>
    /// <exception cref="CoherenceArgumentException">The id is empty, too long or has another character.</exception>
    public OperationId(string value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MaxLength || value.AsSpan().ContainsAnyExcept(Allowed))
        {
            throw new CoherenceArgumentException(nameof(value), $"An operation id is 1 to {MaxLength} characters of ASCII letters, digits and '-_.:' (got '{value}').");
        }

        Value = value;
    }

    /// <summary>The id's text; null for <c>default</c>.</summary>
    public string? Value { get; }

    /// <summary>True for <c>default</c>: no id, nothing recorded.</summary>
    public bool IsNone => Value is null;

    /// <summary>A fresh random id (128 bits, 32 hex digits).</summary>
    public static OperationId New() => new(Guid.NewGuid().ToString("N"));

    /// <inheritdoc />
    public override string ToString() => Value ?? "(none)";
}

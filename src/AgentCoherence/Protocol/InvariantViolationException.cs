namespace AgentCoherence.Protocol;

/// <summary>A protocol invariant does not hold: a bug in a store or in the rules, never a caller error.</summary>
public sealed class InvariantViolationException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public InvariantViolationException(string message)
        : base(message)
    {
    }
}

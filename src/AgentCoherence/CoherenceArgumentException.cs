namespace AgentCoherence;

/// <summary>
/// Bad input refused before any state changed: an invalid key or agent id, oversized content,
/// a batch over its limit, a duplicate batch member. Never retryable as is.
/// </summary>
public sealed class CoherenceArgumentException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    public CoherenceArgumentException(string parameterName, string message)
        : base(message, parameterName)
    {
    }
}

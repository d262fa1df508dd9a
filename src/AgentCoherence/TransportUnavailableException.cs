namespace AgentCoherence;

/// <summary>
/// The signal transport failed (subscribing, or a broker that cannot be reached). Writes are not
/// affected: signals are hints for caches, and the store is the guard.
/// </summary>
public sealed class TransportUnavailableException : CoherenceFaultException
{
    /// <summary>Creates the exception.</summary>
    public TransportUnavailableException(string operation, string message, Exception? inner = null)
        : base(operation, null, message, inner)
    {
    }

    /// <inheritdoc />
    public override bool MayHaveLanded => false;
}

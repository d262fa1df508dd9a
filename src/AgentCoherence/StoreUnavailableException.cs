namespace AgentCoherence;

/// <summary>
/// The store could not be reached, or refused to run the operation (busy, loading, read-only): nothing
/// was applied. Retryable.
/// </summary>
public class StoreUnavailableException : CoherenceFaultException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="operation">The store operation.</param>
    /// <param name="key">The artifact, when there is one.</param>
    /// <param name="message">What failed, naming the store's address or setting.</param>
    /// <param name="inner">The client library's exception.</param>
    public StoreUnavailableException(string operation, ArtifactKey? key, string message, Exception? inner = null)
        : base(operation, key, message, inner)
    {
    }

    /// <inheritdoc />
    public override bool MayHaveLanded => false;
}

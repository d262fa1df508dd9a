namespace AgentCoherence;

/// <summary>
/// Base of every failure of the infrastructure under the protocol (a store or a transport), as opposed
/// to a refusal by the protocol (<see cref="CoherenceException"/>). Client libraries' own exceptions
/// never reach callers: they are the <see cref="Exception.InnerException"/> of one of these.
/// </summary>
public abstract class CoherenceFaultException : Exception
{
    /// <summary>Creates the exception.</summary>
    protected CoherenceFaultException(string operation, ArtifactKey? key, string message, Exception? inner)
        : base(message, inner)
    {
        Operation = operation;
        Key = key;
    }

    /// <summary>The operation that failed (for example <c>CommitCas</c>).</summary>
    public string Operation { get; }

    /// <summary>The artifact concerned, when there is one.</summary>
    public ArtifactKey? Key { get; }

    /// <summary>
    /// True when a write may have been applied even though the caller got this exception: retry it with
    /// the same <see cref="OperationId"/> (or <see cref="CoherentAgent.ResolveAsync"/>) to learn its outcome.
    /// </summary>
    public abstract bool MayHaveLanded { get; }

    /// <summary>True when trying again later can succeed.</summary>
    public virtual bool IsRetryable => true;
}

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

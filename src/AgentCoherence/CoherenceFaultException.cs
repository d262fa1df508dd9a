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

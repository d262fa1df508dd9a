namespace AgentCoherence;

/// <summary>
/// A store lost its connection while a write was in flight: the write landed exactly once or not at
/// all, and the store cannot tell which. <see cref="CoherentAgent"/> resolves it by re-reading
/// (the commit is recognised by its writer and content hash); callers of a store directly must do the same.
/// </summary>
public sealed class OutcomeUnknownException : Exception
{
    /// <summary>Creates the exception.</summary>
    public OutcomeUnknownException(ArtifactKey key, string operation, Exception inner)
        : base($"The outcome of {operation} on '{key}' is unknown: the connection to the store failed mid-operation. Re-read to find out whether it landed.", inner)
    {
        Key = key;
        Operation = operation;
    }

    /// <summary>The artifact.</summary>
    public ArtifactKey Key { get; }

    /// <summary>The store operation that was in flight.</summary>
    public string Operation { get; }
}

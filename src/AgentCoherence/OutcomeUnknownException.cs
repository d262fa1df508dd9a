namespace AgentCoherence;

/// <summary>
/// A write was sent but its reply never came (connection cut, timeout, process paused): it landed
/// exactly once or not at all. A store throws it; <see cref="CoherentAgent"/> resolves it by sending the
/// same operation again with the same <see cref="OperationId"/>, which returns the recorded result if the
/// write had landed and applies it once otherwise. A caller sees this exception only when the store stayed
/// unreachable through every retry; <see cref="CoherentAgent.ResolveAsync"/> finishes the job later.
/// </summary>
public sealed class OutcomeUnknownException : CoherenceFaultException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="key">The artifact (the first member's, for a batch).</param>
    /// <param name="operation">The store operation that was in flight.</param>
    /// <param name="inner">The failure that lost the reply.</param>
    /// <param name="operationId">The write's id, when it had one.</param>
    public OutcomeUnknownException(ArtifactKey key, string operation, Exception inner, OperationId operationId = default)
        : base(operation, key, $"The outcome of {operation} on '{key}' is unknown: the connection to the store failed mid-operation, so it may have landed (operation id {operationId}). Retry it with the same operation id to find out; a retry never applies it twice.", inner)
    {
        OperationId = operationId;
    }

    /// <summary>The write's id: resend the same write with it to learn the outcome.</summary>
    public OperationId OperationId { get; }

    /// <inheritdoc />
    public override bool MayHaveLanded => true;

    /// <summary>The artifact (the first member's, for a batch).</summary>
    public new ArtifactKey Key => base.Key!;

    /// <summary>Replays the write with the same id; set by the client that issued it.</summary>
    internal Func<CancellationToken, ValueTask<object?>>? Replay { get; init; }
}

namespace AgentCoherence.Protocol;

/// <summary>
/// What a store remembers of one applied write, so a retry with the same <see cref="OperationId"/>
/// gets the original outcome: the version(s) it produced and the signals it sent.
/// </summary>
/// <param name="Id">The operation.</param>
/// <param name="Versions">Per artifact written, in order: the version after the write (one entry, or one per CommitAll member; empty for Release).</param>
/// <param name="Signals">The invalidations the write produced.</param>
public sealed record RecordedOperation(OperationId Id, IReadOnlyList<long> Versions, IReadOnlyList<InvalidationSignal> Signals);

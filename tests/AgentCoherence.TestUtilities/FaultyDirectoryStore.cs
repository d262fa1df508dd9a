namespace AgentCoherence.Testing;

/// <summary>
/// Wraps a store and makes the next write fail with <see cref="OutcomeUnknownException"/>, either after
/// it landed (the reply was lost) or before it reached the store (the request was lost).
/// </summary>
public sealed class FaultyDirectoryStore(IDirectoryStore inner) : IDirectoryStore
{
    /// <summary>What the next write does.</summary>
    public enum Fault
    {
        /// <summary>Behave normally.</summary>
        None,

        /// <summary>Apply the write, then report an unknown outcome.</summary>
        LoseReply,

        /// <summary>Do not apply the write; report an unknown outcome.</summary>
        LoseRequest,
    }

    /// <summary>The fault the next write suffers; reset to <see cref="Fault.None"/> once used.</summary>
    public Fault NextWrite { get; set; }

    /// <summary>Runs after a faulted write was applied (or dropped) and before the fault is reported: a peer acting in the gap.</summary>
    public Func<ValueTask>? InTheGap { get; set; }

    /// <summary>How many writes actually reached the inner store.</summary>
    public int WritesApplied { get; private set; }

    /// <summary>When true, the next registration fails as if the store were unreachable.</summary>
    public bool FailNextRegister { get; set; }

    public ValueTask RegisterAgentAsync(AgentId agent, CancellationToken cancellationToken = default)
    {
        if (FailNextRegister)
        {
            FailNextRegister = false;
            throw new IOException("store unreachable");
        }

        return inner.RegisterAgentAsync(agent, cancellationToken);
    }

    public ValueTask<Refusal?> HeartbeatAsync(AgentId agent, CancellationToken cancellationToken = default) => inner.HeartbeatAsync(agent, cancellationToken);

    public ValueTask<ReadResult> ReadAsync(AgentId agent, ArtifactKey key, long knownVersion = -1, CancellationToken cancellationToken = default) => inner.ReadAsync(agent, key, knownVersion, cancellationToken);

    public ValueTask<WriteResult> AcquireAsync(AgentId agent, ArtifactKey key, CancellationToken cancellationToken = default) => inner.AcquireAsync(agent, key, cancellationToken);

    public ValueTask<WriteResult> CommitAsync(AgentId agent, ArtifactKey key, ContentPayload content, CancellationToken cancellationToken = default) =>
        Faulted(key, "Commit", () => inner.CommitAsync(agent, key, content, cancellationToken));

    public ValueTask<WriteResult> CommitCasAsync(AgentId agent, ArtifactKey key, ContentPayload content, long expectedVersion, CancellationToken cancellationToken = default) =>
        Faulted(key, "CommitCas", () => inner.CommitCasAsync(agent, key, content, expectedVersion, cancellationToken));

    public ValueTask<CommitAllResult> CommitAllAsync(AgentId agent, IReadOnlyList<BatchMember> members, CancellationToken cancellationToken = default) => inner.CommitAllAsync(agent, members, cancellationToken);

    public ValueTask<WriteResult> DeleteAsync(AgentId agent, ArtifactKey key, long? expectedVersion, CancellationToken cancellationToken = default) => inner.DeleteAsync(agent, key, expectedVersion, cancellationToken);

    public ValueTask<bool> ReleaseAsync(AgentId agent, ArtifactKey key, CancellationToken cancellationToken = default) => inner.ReleaseAsync(agent, key, cancellationToken);

    public ValueTask<bool> ForgetAsync(AgentId agent, CancellationToken cancellationToken = default) => inner.ForgetAsync(agent, cancellationToken);

    public ValueTask<SweepResult> SweepAsync(SweepPolicy policy, CancellationToken cancellationToken = default) => inner.SweepAsync(policy, cancellationToken);

    public ValueTask<DirectoryRecord?> InspectAsync(ArtifactKey key, CancellationToken cancellationToken = default) => inner.InspectAsync(key, cancellationToken);

    private async ValueTask RunGap()
    {
        var gap = InTheGap;
        InTheGap = null;
        if (gap is not null)
        {
            await gap();
        }
    }

    private async ValueTask<WriteResult> Faulted(ArtifactKey key, string operation, Func<ValueTask<WriteResult>> write)
    {
        var fault = NextWrite;
        NextWrite = Fault.None;
        if (fault == Fault.LoseRequest)
        {
            await RunGap();
            throw new OutcomeUnknownException(key, operation, new IOException("request lost"));
        }

        var result = await write();
        WritesApplied++;
        if (fault == Fault.LoseReply)
        {
            await RunGap();
            throw new OutcomeUnknownException(key, operation, new IOException("reply lost"));
        }

        return result;
    }
}

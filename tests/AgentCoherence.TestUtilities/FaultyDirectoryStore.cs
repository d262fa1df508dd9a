namespace AgentCoherence.Testing;

/// <summary>
/// Wraps a store and makes the next write fail with <see cref="OutcomeUnknownException"/>, either after
/// it landed (the reply was lost) or before it reached the store (the request was lost).
/// </summary>
public sealed class FaultyDirectoryStore(IDirectoryStore inner) : DelegatingDirectoryStore(inner)
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

    public override ValueTask RegisterAgentAsync(AgentId agent, CancellationToken cancellationToken = default)
    {
        if (FailNextRegister)
        {
            FailNextRegister = false;
            throw new IOException("store unreachable");
        }

        return Inner.RegisterAgentAsync(agent, cancellationToken);
    }

    public override ValueTask<WriteResult> CommitAsync(AgentId agent, ArtifactKey key, ContentPayload content, CancellationToken cancellationToken = default) =>
        Faulted(key, "Commit", () => Inner.CommitAsync(agent, key, content, cancellationToken));

    public override ValueTask<WriteResult> CommitCasAsync(AgentId agent, ArtifactKey key, ContentPayload content, long expectedVersion, CancellationToken cancellationToken = default) =>
        Faulted(key, "CommitCas", () => Inner.CommitCasAsync(agent, key, content, expectedVersion, cancellationToken));

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

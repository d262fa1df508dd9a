using AgentCoherence.Protocol;

namespace AgentCoherence.Testing;

/// <summary>
/// Wraps a store and injects the faults a network or a paused process causes, through the public
/// <see cref="IDirectoryStore"/>: a write that is applied but whose reply is lost, a write lost before it
/// reached the store, a raw client-library exception, and a hook that runs in the gap between a write's
/// effect and its (lost or delayed) reply, where a peer, a sweep or a signal can act.
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

        /// <summary>Apply the write, then throw a raw exception that is not the library's (as a client library would).</summary>
        RawAfterApply,

        /// <summary>Do not apply the write; report the store unreachable (nothing applied).</summary>
        Unavailable,
    }

    // Agents running as concurrent tasks share one wrapper: the queue and the bookkeeping are taken under this lock.
    private readonly Lock _gate = new();
    private readonly Queue<Fault> _faults = new();

    /// <summary>The fault the next write suffers; reset to <see cref="Fault.None"/> once used.</summary>
    public Fault NextWrite
    {
        get
        {
            lock (_gate)
            {
                return _faults.TryPeek(out var fault) ? fault : Fault.None;
            }
        }

        set
        {
            lock (_gate)
            {
                _faults.Clear();
                if (value != Fault.None)
                {
                    _faults.Enqueue(value);
                }
            }
        }
    }

    /// <summary>Only writes of this operation (Acquire, Commit, CommitCas, CommitAll, Delete, Release, Override) take the faults; all when null.</summary>
    public string? FaultOnly { get; set; }

    /// <summary>Queues faults for the next writes, in order (for example a lost reply, then a lost retry).</summary>
    public void Then(params Fault[] faults)
    {
        lock (_gate)
        {
            foreach (var fault in faults)
            {
                _faults.Enqueue(fault);
            }
        }
    }

    /// <summary>Runs after a faulted write was applied (or dropped) and before the fault is reported: a peer acting in the gap.</summary>
    public Func<ValueTask>? InTheGap { get; set; }

    /// <summary>Runs after every successful read's effect and before its reply returns (once, then cleared): a signal arriving mid-fetch.</summary>
    public Func<ValueTask>? BeforeReadReply { get; set; }

    /// <summary>How many writes actually reached the inner store.</summary>
    public int WritesApplied { get; private set; }

    /// <summary>Writes the inner store applied, by operation, with their ids (for exactly-once checks).</summary>
    public List<(string Operation, OperationId Id)> Applied { get; } = [];

    /// <summary>When true, the next registration fails as if the store were unreachable.</summary>
    public bool FailNextRegister { get; set; }

    /// <summary>How many of the next registrations fail as if the store were unreachable.</summary>
    public int FailRegisters { get; set; }

    public override ValueTask RegisterAgentAsync(AgentId agent, CancellationToken cancellationToken = default)
    {
        if (FailNextRegister || FailRegisters > 0)
        {
            FailNextRegister = false;
            FailRegisters = Math.Max(0, FailRegisters - 1);
            throw new IOException("store unreachable");
        }

        return Inner.RegisterAgentAsync(agent, cancellationToken);
    }

    public override async ValueTask<ReadResult> ReadAsync(AgentId agent, ArtifactKey key, long knownVersion = -1, CancellationToken cancellationToken = default)
    {
        var result = await Inner.ReadAsync(agent, key, knownVersion, cancellationToken);
        var hook = BeforeReadReply;
        BeforeReadReply = null;
        if (hook is not null)
        {
            await hook();
        }

        return result;
    }

    public override ValueTask<WriteResult> AcquireAsync(AgentId agent, ArtifactKey key, OperationId operation = default, CancellationToken cancellationToken = default) =>
        Faulted(key, "Acquire", operation, () => Inner.AcquireAsync(agent, key, operation, cancellationToken));

    public override ValueTask<WriteResult> CommitAsync(AgentId agent, ArtifactKey key, ContentPayload content, OperationId operation = default, CancellationToken cancellationToken = default) =>
        Faulted(key, "Commit", operation, () => Inner.CommitAsync(agent, key, content, operation, cancellationToken));

    public override ValueTask<WriteResult> CommitCasAsync(AgentId agent, ArtifactKey key, ContentPayload content, long expectedVersion, OperationId operation = default, CancellationToken cancellationToken = default) =>
        Faulted(key, "CommitCas", operation, () => Inner.CommitCasAsync(agent, key, content, expectedVersion, operation, cancellationToken));

    public override ValueTask<CommitAllResult> CommitAllAsync(AgentId agent, IReadOnlyList<BatchMember> members, OperationId operation = default, CancellationToken cancellationToken = default) =>
        Faulted(members.Count > 0 ? members[0].Key : new ArtifactKey("#", "#"), "CommitAll", operation, () => Inner.CommitAllAsync(agent, members, operation, cancellationToken));

    public override ValueTask<WriteResult> DeleteAsync(AgentId agent, ArtifactKey key, long? expectedVersion, OperationId operation = default, CancellationToken cancellationToken = default) =>
        Faulted(key, "Delete", operation, () => Inner.DeleteAsync(agent, key, expectedVersion, operation, cancellationToken));

    public override ValueTask<bool> ReleaseAsync(AgentId agent, ArtifactKey key, OperationId operation = default, CancellationToken cancellationToken = default) =>
        Faulted(key, "Release", operation, () => Inner.ReleaseAsync(agent, key, operation, cancellationToken));

    public override ValueTask<WriteResult> OverrideAsync(AgentId agent, ArtifactKey key, ContentPayload? content, OperationId operation = default, CancellationToken cancellationToken = default) =>
        Faulted(key, "Override", operation, () => Inner.OverrideAsync(agent, key, content, operation, cancellationToken));

    public override ValueTask<WriteResult> OverrideWithEffectAsync(AgentId agent, ArtifactKey key, ContentPayload? content, OperationId operation, Action<WriteResult> effect, CancellationToken cancellationToken = default) =>
        Faulted(key, "Override", operation, () => InnerEffects.OverrideWithEffectAsync(agent, key, content, operation, effect, cancellationToken));

    // The effect variants take the same faults as the plain writes of the same name.
    public override ValueTask<WriteResult> CommitWithEffectAsync(AgentId agent, ArtifactKey key, ContentPayload content, OperationId operation, Action<WriteResult> effect, CancellationToken cancellationToken = default) =>
        Faulted(key, "Commit", operation, () => InnerEffects.CommitWithEffectAsync(agent, key, content, operation, effect, cancellationToken));

    public override ValueTask<WriteResult> CommitCasWithEffectAsync(AgentId agent, ArtifactKey key, ContentPayload content, long expectedVersion, OperationId operation, Action<WriteResult> effect, CancellationToken cancellationToken = default) =>
        Faulted(key, "CommitCas", operation, () => InnerEffects.CommitCasWithEffectAsync(agent, key, content, expectedVersion, operation, effect, cancellationToken));

    public override ValueTask<CommitAllResult> CommitAllWithEffectAsync(AgentId agent, IReadOnlyList<BatchMember> members, OperationId operation, Action<CommitAllResult> effect, CancellationToken cancellationToken = default) =>
        Faulted(members.Count > 0 ? members[0].Key : new ArtifactKey("#", "#"), "CommitAll", operation, () => InnerEffects.CommitAllWithEffectAsync(agent, members, operation, effect, cancellationToken));

    private async ValueTask RunGap()
    {
        var gap = InTheGap;
        InTheGap = null;
        if (gap is not null)
        {
            await gap();
        }
    }

    private async ValueTask<T> Faulted<T>(ArtifactKey key, string operation, OperationId id, Func<ValueTask<T>> write)
    {
        var fault = Fault.None;
        lock (_gate)
        {
            if ((FaultOnly is null || FaultOnly == operation) && _faults.Count > 0)
            {
                fault = _faults.Dequeue();
            }
        }

        if (fault == Fault.Unavailable)
        {
            throw new StoreUnavailableException(operation, key, "store unreachable", new IOException("connection refused"));
        }

        if (fault == Fault.LoseRequest)
        {
            await RunGap();
            throw new OutcomeUnknownException(key, operation, new IOException("request lost"), id);
        }

        var result = await write();
        lock (_gate)
        {
            WritesApplied++;
            Applied.Add((operation, id));
        }

        switch (fault)
        {
            case Fault.LoseReply:
                await RunGap();
                throw new OutcomeUnknownException(key, operation, new IOException("reply lost"), id);
            case Fault.RawAfterApply:
                await RunGap();
                throw new InvalidOperationException("raw client-library failure after the write was applied");
        }

        return result;
    }
}

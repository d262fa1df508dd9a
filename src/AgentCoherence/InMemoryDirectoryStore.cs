using AgentCoherence.Protocol;

namespace AgentCoherence;

/// <summary>
/// The directory store in process memory: one <see cref="DirectoryState"/> behind one lock, so every
/// operation (including multi-artifact publishes) is atomic under real concurrency. The default for a
/// single process; state is lost when the process ends. Effects (<see cref="IAtomicEffectStore"/>) run inside
/// the lock; one that throws restores the records and the operation log the step touched.
/// </summary>
public sealed class InMemoryDirectoryStore : IAtomicEffectStore
{
    private readonly Lock _gate = new();
    private readonly DirectoryState _state = new();
    private readonly List<InvalidationSignal> _signals = [];
    private readonly TimeProvider _time;
    private readonly CoherenceRules _rules;

    /// <summary>Creates an empty store.</summary>
    /// <param name="timeProvider">The clock for grant, commit and heartbeat times; <see cref="TimeProvider.System"/> when null.</param>
    public InMemoryDirectoryStore(TimeProvider? timeProvider = null)
        : this(timeProvider, CoherenceRules.Default)
    {
    }

    internal InMemoryDirectoryStore(TimeProvider? timeProvider, CoherenceRules rules)
    {
        _time = timeProvider ?? TimeProvider.System;
        _rules = rules;
    }

    /// <summary>False: the state lives in this process, and ends with it.</summary>
    public bool SharedAcrossProcesses => false;

    /// <inheritdoc />
    public ValueTask RegisterAgentAsync(AgentId agent, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            _rules.Register(_state, agent, _time.GetUtcNow());
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<Refusal?> HeartbeatAsync(AgentId agent, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return ValueTask.FromResult(_rules.Heartbeat(_state, agent, _time.GetUtcNow()));
        }
    }

    /// <inheritdoc />
    public ValueTask<ReadResult> ReadAsync(AgentId agent, ArtifactKey key, long knownVersion = -1, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var result = _rules.Read(_state, agent, key, knownVersion);
            Check(key);
            return ValueTask.FromResult(result);
        }
    }

    /// <inheritdoc />
    public ValueTask<WriteResult> AcquireAsync(AgentId agent, ArtifactKey key, OperationId operation = default, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var result = _rules.Acquire(_state, agent, key, _time.GetUtcNow(), operation);
            Check(key);
            return ValueTask.FromResult(result);
        }
    }

    /// <inheritdoc />
    public ValueTask<WriteResult> CommitAsync(AgentId agent, ArtifactKey key, ContentPayload content, OperationId operation = default, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var before = VersionOf(key);
            _signals.Clear();
            var result = _rules.Commit(_state, agent, key, content, _time.GetUtcNow(), _signals, operation);
            Check(key, before);
            return ValueTask.FromResult(result);
        }
    }

    /// <inheritdoc />
    public ValueTask<WriteResult> CommitCasAsync(AgentId agent, ArtifactKey key, ContentPayload content, long expectedVersion, OperationId operation = default, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var before = VersionOf(key);
            _signals.Clear();
            var result = _rules.CommitCas(_state, agent, key, content, expectedVersion, _time.GetUtcNow(), _signals, operation);
            Check(key, before);
            return ValueTask.FromResult(result);
        }
    }

    /// <inheritdoc />
    public ValueTask<CommitAllResult> CommitAllAsync(AgentId agent, IReadOnlyList<BatchMember> members, OperationId operation = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(members);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            _signals.Clear();
            var result = _rules.CommitAll(_state, agent, members, _time.GetUtcNow(), _signals, operation);
            foreach (var member in members)
            {
                Check(member.Key);
            }

            return ValueTask.FromResult(result);
        }
    }

    /// <inheritdoc />
    public ValueTask<WriteResult> DeleteAsync(AgentId agent, ArtifactKey key, long? expectedVersion, OperationId operation = default, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var before = VersionOf(key);
            _signals.Clear();
            var now = _time.GetUtcNow();
            var result = expectedVersion is { } expected
                ? _rules.DeleteCas(_state, agent, key, expected, now, _signals, operation)
                : _rules.Delete(_state, agent, key, now, _signals, operation);
            Check(key, before);
            return ValueTask.FromResult(result);
        }
    }

    /// <inheritdoc />
    public ValueTask<WriteResult> OverrideAsync(AgentId agent, ArtifactKey key, ContentPayload? content, OperationId operation = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var before = VersionOf(key);
            _signals.Clear();
            var result = _rules.Override(_state, agent, key, content, _time.GetUtcNow(), _signals, operation);
            Check(key, before);
            return ValueTask.FromResult(result);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> ReleaseAsync(AgentId agent, ArtifactKey key, OperationId operation = default, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return ValueTask.FromResult(_rules.Release(_state, agent, key, operation));
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> ForgetAsync(AgentId agent, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return ValueTask.FromResult(_rules.Forget(_state, agent));
        }
    }

    /// <inheritdoc />
    public ValueTask<SweepResult> SweepAsync(SweepPolicy policy, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            _signals.Clear();
            return ValueTask.FromResult(_rules.Sweep(_state, policy, _time.GetUtcNow(), _signals));
        }
    }

    /// <inheritdoc />
    public ValueTask<DirectoryRecord?> InspectAsync(ArtifactKey key, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return ValueTask.FromResult(_state.Records.TryGetValue(key, out var record) ? record.Clone() : null);
        }
    }

    /// <inheritdoc />
    /// <remarks>One step under the store's lock: the copies are taken when the method is called.</remarks>
    public IAsyncEnumerable<DirectoryRecord> ListRecordsAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        DirectoryRecord[] copies;
        lock (_gate)
        {
            copies = new DirectoryRecord[_state.Records.Count];
            var i = 0;
            foreach (var record in _state.Records.Values)
            {
                var copy = record.Clone();
                copy.Content = null;
                copies[i++] = copy;
            }
        }

        return copies.ToAsyncEnumerable();
    }

    /// <inheritdoc />
    /// <remarks>One step under the store's lock: the heartbeats are copied when the method is called.</remarks>
    public IAsyncEnumerable<AgentHeartbeat> ListAgentsAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        AgentHeartbeat[] agents;
        lock (_gate)
        {
            agents = _state.Heartbeats.Select(h => new AgentHeartbeat(h.Key, h.Value)).ToArray();
        }

        return agents.ToAsyncEnumerable();
    }

    /// <inheritdoc />
    public ValueTask<WriteResult> CommitWithEffectAsync(AgentId agent, ArtifactKey key, ContentPayload content, OperationId operation, Action<WriteResult> effect, CancellationToken cancellationToken = default) =>
        WithEffect(agent, key, operation, "Commit", effect, cancellationToken, now => _rules.Commit(_state, agent, key, content, now, _signals, operation));

    /// <inheritdoc />
    public ValueTask<WriteResult> CommitCasWithEffectAsync(AgentId agent, ArtifactKey key, ContentPayload content, long expectedVersion, OperationId operation, Action<WriteResult> effect, CancellationToken cancellationToken = default) =>
        WithEffect(agent, key, operation, "CommitCas", effect, cancellationToken, now => _rules.CommitCas(_state, agent, key, content, expectedVersion, now, _signals, operation));

    /// <inheritdoc />
    public ValueTask<CommitAllResult> CommitAllWithEffectAsync(AgentId agent, IReadOnlyList<BatchMember> members, OperationId operation, Action<CommitAllResult> effect, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(members);
        ArgumentNullException.ThrowIfNull(effect);
        cancellationToken.ThrowIfCancellationRequested();
        CoherenceRules.CheckBatch(members);
        lock (_gate)
        {
            var undo = Snapshot(agent, operation, members.Select(m => m.Key));
            _signals.Clear();
            var result = _rules.CommitAll(_state, agent, members, _time.GetUtcNow(), _signals, operation);
            foreach (var member in members)
            {
                Check(member.Key);
            }

            if (result.Committed)
            {
                RunEffect(undo, "CommitAll", members[0].Key, effect, result);
            }

            return ValueTask.FromResult(result);
        }
    }

    /// <inheritdoc />
    public ValueTask<WriteResult> OverrideWithEffectAsync(AgentId agent, ArtifactKey key, ContentPayload? content, OperationId operation, Action<WriteResult> effect, CancellationToken cancellationToken = default) =>
        WithEffect(agent, key, operation, "Override", effect, cancellationToken, now => _rules.Override(_state, agent, key, content, now, _signals, operation));

    // One write on one artifact with the caller's effect inside the step: a refused or failed step changes nothing.
    private ValueTask<WriteResult> WithEffect(AgentId agent, ArtifactKey key, OperationId operation, string name, Action<WriteResult> effect, CancellationToken cancellationToken, Func<DateTimeOffset, WriteResult> step)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(effect);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var before = VersionOf(key);
            var undo = Snapshot(agent, operation, [key]);
            _signals.Clear();
            var result = step(_time.GetUtcNow());
            Check(key, before);
            if (result.Succeeded)
            {
                RunEffect(undo, name, key, effect, result);
            }

            return ValueTask.FromResult(result);
        }
    }

    /// <inheritdoc />
    public ValueTask<T> InspectWithEffectAsync<T>(ArtifactKey key, Func<DirectoryRecord?, T> effect, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(effect);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var copy = _state.Records.TryGetValue(key, out var record) ? record.Clone() : null;
            return ValueTask.FromResult(AtomicEffectFailedException.Run("Inspect", key, effect, copy));
        }
    }

    /// <summary>
    /// What a step may change, copied before it runs: the records it touches and the agent's operation log.
    /// Null for a replay (the operation was applied before): nothing changes and no effect runs.
    /// </summary>
    private StepUndo? Snapshot(AgentId agent, OperationId operation, IEnumerable<ArtifactKey> keys)
    {
        if (_state.Operations.Find(agent, operation) is not null)
        {
            return null;
        }

        var records = keys.Select(k => (k, _state.Records.TryGetValue(k, out var r) ? r.Clone() : null)).ToList();
        return new StepUndo(agent, records, _state.Operations.Snapshot(agent));
    }

    private void RunEffect<T>(StepUndo? undo, string operation, ArtifactKey key, Action<T> effect, T result)
    {
        if (undo is null)
        {
            return;
        }

        try
        {
            AtomicEffectFailedException.Run(operation, key, effect, result);
        }
        catch
        {
            foreach (var (k, record) in undo.Records)
            {
                if (record is null)
                {
                    _state.Records.Remove(k);
                }
                else
                {
                    _state.Records[k] = record;
                }
            }

            _state.Operations.Restore(undo.Agent, undo.Operations);
            throw;
        }
    }

    private sealed record StepUndo(AgentId Agent, List<(ArtifactKey Key, DirectoryRecord? Record)> Records, RecordedOperation[]? Operations);

    private long VersionOf(ArtifactKey key) => _state.Records.TryGetValue(key, out var record) ? record.Version : 0;

    [System.Diagnostics.Conditional("COHERENCE_INVARIANTS")]
    private void Check(ArtifactKey key, long before = 0)
    {
        if (_state.Records.TryGetValue(key, out var record))
        {
            InvariantChecker.Assert(record);
            if (InvariantChecker.CheckVersionStep(key, before, record.Version) is { } violation)
            {
                throw new InvariantViolationException(violation);
            }
        }
    }
}

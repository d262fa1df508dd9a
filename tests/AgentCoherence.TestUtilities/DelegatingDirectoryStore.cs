using AgentCoherence.Protocol;

namespace AgentCoherence.Testing;

/// <summary>
/// A store that forwards every operation to <see cref="Inner"/>: the base of test doubles that
/// override only the operations they interfere with. The <see cref="IAtomicEffectStore"/> operations
/// forward too, and throw <see cref="NotSupportedException"/> when the inner store has none.
/// </summary>
public abstract class DelegatingDirectoryStore(IDirectoryStore inner) : IAtomicEffectStore
{
    /// <summary>The store every call goes to unless overridden.</summary>
    protected IDirectoryStore Inner { get; } = inner ?? throw new ArgumentNullException(nameof(inner));

    public virtual ValueTask RegisterAgentAsync(AgentId agent, CancellationToken cancellationToken = default) => Inner.RegisterAgentAsync(agent, cancellationToken);

    public virtual ValueTask<Refusal?> HeartbeatAsync(AgentId agent, CancellationToken cancellationToken = default) => Inner.HeartbeatAsync(agent, cancellationToken);

    public virtual ValueTask<ReadResult> ReadAsync(AgentId agent, ArtifactKey key, long knownVersion = -1, CancellationToken cancellationToken = default) => Inner.ReadAsync(agent, key, knownVersion, cancellationToken);

    public virtual ValueTask<WriteResult> AcquireAsync(AgentId agent, ArtifactKey key, OperationId operation = default, CancellationToken cancellationToken = default) => Inner.AcquireAsync(agent, key, operation, cancellationToken);

    public virtual ValueTask<WriteResult> CommitAsync(AgentId agent, ArtifactKey key, ContentPayload content, OperationId operation = default, CancellationToken cancellationToken = default) => Inner.CommitAsync(agent, key, content, operation, cancellationToken);

    public virtual ValueTask<WriteResult> CommitCasAsync(AgentId agent, ArtifactKey key, ContentPayload content, long expectedVersion, OperationId operation = default, CancellationToken cancellationToken = default) => Inner.CommitCasAsync(agent, key, content, expectedVersion, operation, cancellationToken);

    public virtual ValueTask<CommitAllResult> CommitAllAsync(AgentId agent, IReadOnlyList<BatchMember> members, OperationId operation = default, CancellationToken cancellationToken = default) => Inner.CommitAllAsync(agent, members, operation, cancellationToken);

    public virtual ValueTask<WriteResult> DeleteAsync(AgentId agent, ArtifactKey key, long? expectedVersion, OperationId operation = default, CancellationToken cancellationToken = default) => Inner.DeleteAsync(agent, key, expectedVersion, operation, cancellationToken);

    public virtual ValueTask<WriteResult> OverrideAsync(AgentId agent, ArtifactKey key, ContentPayload? content, OperationId operation = default, CancellationToken cancellationToken = default) => Inner.OverrideAsync(agent, key, content, operation, cancellationToken);

    public virtual ValueTask<bool> ReleaseAsync(AgentId agent, ArtifactKey key, OperationId operation = default, CancellationToken cancellationToken = default) => Inner.ReleaseAsync(agent, key, operation, cancellationToken);

    public virtual ValueTask<bool> ForgetAsync(AgentId agent, CancellationToken cancellationToken = default) => Inner.ForgetAsync(agent, cancellationToken);

    public virtual ValueTask<SweepResult> SweepAsync(SweepPolicy policy, CancellationToken cancellationToken = default) => Inner.SweepAsync(policy, cancellationToken);

    public virtual ValueTask<DirectoryRecord?> InspectAsync(ArtifactKey key, CancellationToken cancellationToken = default) => Inner.InspectAsync(key, cancellationToken);

    public virtual bool SharedAcrossProcesses => Inner.SharedAcrossProcesses;

    public virtual ValueTask ConnectAsync(CancellationToken cancellationToken = default) => Inner.ConnectAsync(cancellationToken);

    public virtual IAsyncEnumerable<DirectoryRecord> ListRecordsAsync(CancellationToken cancellationToken = default) => Inner.ListRecordsAsync(cancellationToken);

    public virtual IAsyncEnumerable<AgentHeartbeat> ListAgentsAsync(CancellationToken cancellationToken = default) => Inner.ListAgentsAsync(cancellationToken);

    public virtual ValueTask<WriteResult> CommitWithEffectAsync(AgentId agent, ArtifactKey key, ContentPayload content, OperationId operation, Action<WriteResult> effect, CancellationToken cancellationToken = default) => InnerEffects.CommitWithEffectAsync(agent, key, content, operation, effect, cancellationToken);

    public virtual ValueTask<WriteResult> CommitCasWithEffectAsync(AgentId agent, ArtifactKey key, ContentPayload content, long expectedVersion, OperationId operation, Action<WriteResult> effect, CancellationToken cancellationToken = default) => InnerEffects.CommitCasWithEffectAsync(agent, key, content, expectedVersion, operation, effect, cancellationToken);

    public virtual ValueTask<CommitAllResult> CommitAllWithEffectAsync(AgentId agent, IReadOnlyList<BatchMember> members, OperationId operation, Action<CommitAllResult> effect, CancellationToken cancellationToken = default) => InnerEffects.CommitAllWithEffectAsync(agent, members, operation, effect, cancellationToken);

    public virtual ValueTask<WriteResult> OverrideWithEffectAsync(AgentId agent, ArtifactKey key, ContentPayload? content, OperationId operation, Action<WriteResult> effect, CancellationToken cancellationToken = default) => InnerEffects.OverrideWithEffectAsync(agent, key, content, operation, effect, cancellationToken);

    public virtual ValueTask<T> InspectWithEffectAsync<T>(ArtifactKey key, Func<DirectoryRecord?, T> effect, CancellationToken cancellationToken = default) => InnerEffects.InspectWithEffectAsync(key, effect, cancellationToken);

    /// <summary>The inner store's effect operations.</summary>
    protected IAtomicEffectStore InnerEffects =>
        Inner as IAtomicEffectStore ?? throw new NotSupportedException($"{Inner.GetType().Name} runs no side effects inside its steps.");
}

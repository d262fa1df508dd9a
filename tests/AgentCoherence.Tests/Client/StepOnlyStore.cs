using AgentCoherence.Protocol;

namespace AgentCoherence.Tests.Client;

/// <summary>A store with the plain operations only (as the Redis store).</summary>
internal sealed class StepOnlyStore(IDirectoryStore inner) : IDirectoryStore
{
    public ValueTask RegisterAgentAsync(AgentId agent, CancellationToken cancellationToken = default) => inner.RegisterAgentAsync(agent, cancellationToken);

    public ValueTask<Refusal?> HeartbeatAsync(AgentId agent, CancellationToken cancellationToken = default) => inner.HeartbeatAsync(agent, cancellationToken);

    public ValueTask<ReadResult> ReadAsync(AgentId agent, ArtifactKey key, long knownVersion = -1, CancellationToken cancellationToken = default) => inner.ReadAsync(agent, key, knownVersion, cancellationToken);

    public ValueTask<WriteResult> AcquireAsync(AgentId agent, ArtifactKey key, OperationId operation = default, CancellationToken cancellationToken = default) => inner.AcquireAsync(agent, key, operation, cancellationToken);

    public ValueTask<WriteResult> CommitAsync(AgentId agent, ArtifactKey key, ContentPayload content, OperationId operation = default, CancellationToken cancellationToken = default) => inner.CommitAsync(agent, key, content, operation, cancellationToken);

    public ValueTask<WriteResult> CommitCasAsync(AgentId agent, ArtifactKey key, ContentPayload content, long expectedVersion, OperationId operation = default, CancellationToken cancellationToken = default) => inner.CommitCasAsync(agent, key, content, expectedVersion, operation, cancellationToken);

    public ValueTask<CommitAllResult> CommitAllAsync(AgentId agent, IReadOnlyList<BatchMember> members, OperationId operation = default, CancellationToken cancellationToken = default) => inner.CommitAllAsync(agent, members, operation, cancellationToken);

    public ValueTask<WriteResult> DeleteAsync(AgentId agent, ArtifactKey key, long? expectedVersion, OperationId operation = default, CancellationToken cancellationToken = default) => inner.DeleteAsync(agent, key, expectedVersion, operation, cancellationToken);

    public ValueTask<bool> ReleaseAsync(AgentId agent, ArtifactKey key, OperationId operation = default, CancellationToken cancellationToken = default) => inner.ReleaseAsync(agent, key, operation, cancellationToken);

    public ValueTask<bool> ForgetAsync(AgentId agent, CancellationToken cancellationToken = default) => inner.ForgetAsync(agent, cancellationToken);

    public ValueTask<SweepResult> SweepAsync(SweepPolicy policy, CancellationToken cancellationToken = default) => inner.SweepAsync(policy, cancellationToken);

    public ValueTask<DirectoryRecord?> InspectAsync(ArtifactKey key, CancellationToken cancellationToken = default) => inner.InspectAsync(key, cancellationToken);
}

namespace AgentCoherence.Mcp.Tests;

/// <summary>
/// Wraps a store and makes its next commit (plain or compare-and-set) refuse with a chosen reason, or throw:
/// the refusals no tool call can provoke on its own (a reclaimed grant, a busy store, a bug).
/// </summary>
internal sealed class RefusingDirectoryStore(IDirectoryStore inner) : IDirectoryStore
{
    /// <summary>Builds the refusal the next commit returns, from the artifact and its current version.</summary>
    public Func<ArtifactKey, long, Refusal>? NextCommitRefusal { get; set; }

    /// <summary>Thrown by the next commit instead of committing.</summary>
    public Exception? NextCommitThrows { get; set; }

    public ValueTask RegisterAgentAsync(AgentId agent, CancellationToken cancellationToken = default) => inner.RegisterAgentAsync(agent, cancellationToken);

    public ValueTask<Refusal?> HeartbeatAsync(AgentId agent, CancellationToken cancellationToken = default) => inner.HeartbeatAsync(agent, cancellationToken);

    public ValueTask<ReadResult> ReadAsync(AgentId agent, ArtifactKey key, long knownVersion = -1, CancellationToken cancellationToken = default) => inner.ReadAsync(agent, key, knownVersion, cancellationToken);

    public ValueTask<WriteResult> AcquireAsync(AgentId agent, ArtifactKey key, CancellationToken cancellationToken = default) => inner.AcquireAsync(agent, key, cancellationToken);

    public ValueTask<WriteResult> CommitAsync(AgentId agent, ArtifactKey key, ContentPayload content, CancellationToken cancellationToken = default) =>
        Intercept(key, () => inner.CommitAsync(agent, key, content, cancellationToken), cancellationToken);

    public ValueTask<WriteResult> CommitCasAsync(AgentId agent, ArtifactKey key, ContentPayload content, long expectedVersion, CancellationToken cancellationToken = default) =>
        Intercept(key, () => inner.CommitCasAsync(agent, key, content, expectedVersion, cancellationToken), cancellationToken);

    public ValueTask<CommitAllResult> CommitAllAsync(AgentId agent, IReadOnlyList<BatchMember> members, CancellationToken cancellationToken = default) => inner.CommitAllAsync(agent, members, cancellationToken);

    public ValueTask<WriteResult> DeleteAsync(AgentId agent, ArtifactKey key, long? expectedVersion, CancellationToken cancellationToken = default) => inner.DeleteAsync(agent, key, expectedVersion, cancellationToken);

    public ValueTask<bool> ReleaseAsync(AgentId agent, ArtifactKey key, CancellationToken cancellationToken = default) => inner.ReleaseAsync(agent, key, cancellationToken);

    public ValueTask<bool> ForgetAsync(AgentId agent, CancellationToken cancellationToken = default) => inner.ForgetAsync(agent, cancellationToken);

    public ValueTask<SweepResult> SweepAsync(SweepPolicy policy, CancellationToken cancellationToken = default) => inner.SweepAsync(policy, cancellationToken);

    public ValueTask<DirectoryRecord?> InspectAsync(ArtifactKey key, CancellationToken cancellationToken = default) => inner.InspectAsync(key, cancellationToken);

    private async ValueTask<WriteResult> Intercept(ArtifactKey key, Func<ValueTask<WriteResult>> commit, CancellationToken cancellationToken)
    {
        if (NextCommitThrows is { } exception)
        {
            NextCommitThrows = null;
            throw exception;
        }

        if (NextCommitRefusal is { } refuse)
        {
            NextCommitRefusal = null;
            var current = (await inner.InspectAsync(key, cancellationToken))?.Version ?? 0;
            return new WriteResult(refuse(key, current), current, []);
        }

        return await commit();
    }
}

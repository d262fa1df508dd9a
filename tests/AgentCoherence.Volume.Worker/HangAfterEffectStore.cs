using AgentCoherence;
using AgentCoherence.Protocol;

/// <summary>
/// The volume's own SQLite store, except that a write's effect, once it has run (the file renamed into place),
/// announces <c>RENAMED</c> and hangs: the transaction stays open, uncommitted, until the test kills the process.
/// </summary>
internal sealed class HangAfterEffectStore(IAtomicEffectStore inner) : IAtomicEffectStore
{
    public ValueTask<WriteResult> CommitWithEffectAsync(AgentId agent, ArtifactKey key, ContentPayload content, OperationId operation, Action<WriteResult> effect, CancellationToken cancellationToken = default) =>
        inner.CommitWithEffectAsync(agent, key, content, operation, ThenHang(effect), cancellationToken);

    public ValueTask<WriteResult> CommitCasWithEffectAsync(AgentId agent, ArtifactKey key, ContentPayload content, long expectedVersion, OperationId operation, Action<WriteResult> effect, CancellationToken cancellationToken = default) =>
        inner.CommitCasWithEffectAsync(agent, key, content, expectedVersion, operation, ThenHang(effect), cancellationToken);

    public ValueTask<CommitAllResult> CommitAllWithEffectAsync(AgentId agent, IReadOnlyList<BatchMember> members, OperationId operation, Action<CommitAllResult> effect, CancellationToken cancellationToken = default) =>
        inner.CommitAllWithEffectAsync(agent, members, operation, ThenHang(effect), cancellationToken);

    public ValueTask<T> InspectWithEffectAsync<T>(ArtifactKey key, Func<DirectoryRecord?, T> effect, CancellationToken cancellationToken = default) =>
        inner.InspectWithEffectAsync(key, effect, cancellationToken);

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

    private static Action<T> ThenHang<T>(Action<T> effect) => result =>
    {
        effect(result);
        Console.WriteLine("RENAMED");
        Console.Out.Flush();
        Thread.Sleep(Timeout.Infinite);
    };
}

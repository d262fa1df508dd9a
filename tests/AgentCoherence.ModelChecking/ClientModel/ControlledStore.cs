using AgentCoherence.Testing;
using AgentCoherence.Protocol;

namespace AgentCoherence.ModelChecking.ClientModel;

/// <summary>
/// A store whose reads and writes wait for the explorer: each becomes a <see cref="StoreCall"/> that is
/// applied on the real inner store and answered (or not) in separate steps. Registration, heartbeats,
/// forgetting, sweeps and inspection pass straight through: they are steps of their own or setup.
/// </summary>
internal sealed class ControlledStore(IDirectoryStore inner) : DelegatingDirectoryStore(inner)
{
    private int _issued;

    /// <summary>Calls issued and not yet answered, in issue order.</summary>
    public List<StoreCall> Held { get; } = [];

    /// <summary>Raised when a call is issued, before the client awaits it.</summary>
    public event Action<StoreCall>? Issued;

    /// <summary>Raised when an agent registers (first start or again after UnknownAgent).</summary>
    public event Action<AgentId>? Registered;

    /// <summary>The store everything is applied on.</summary>
    public IDirectoryStore Real => Inner;

    public override ValueTask RegisterAgentAsync(AgentId agent, CancellationToken cancellationToken = default)
    {
        Registered?.Invoke(agent);
        return Inner.RegisterAgentAsync(agent, cancellationToken);
    }

    public override ValueTask<ReadResult> ReadAsync(AgentId agent, ArtifactKey key, long knownVersion = -1, CancellationToken cancellationToken = default) =>
        Hold(agent, "Read", default, knownVersion, () => Inner.ReadAsync(agent, key, knownVersion, CancellationToken.None));

    public override ValueTask<WriteResult> AcquireAsync(AgentId agent, ArtifactKey key, OperationId operation = default, CancellationToken cancellationToken = default) =>
        Hold(agent, "Acquire", operation, -1, () => Inner.AcquireAsync(agent, key, operation, CancellationToken.None));

    public override ValueTask<WriteResult> CommitAsync(AgentId agent, ArtifactKey key, ContentPayload content, OperationId operation = default, CancellationToken cancellationToken = default) =>
        Hold(agent, "Commit", operation, -1, () => Inner.CommitAsync(agent, key, content, operation, CancellationToken.None));

    public override ValueTask<WriteResult> CommitCasAsync(AgentId agent, ArtifactKey key, ContentPayload content, long expectedVersion, OperationId operation = default, CancellationToken cancellationToken = default) =>
        Hold(agent, "CommitCas", operation, expectedVersion, () => Inner.CommitCasAsync(agent, key, content, expectedVersion, operation, CancellationToken.None));

    public override ValueTask<WriteResult> DeleteAsync(AgentId agent, ArtifactKey key, long? expectedVersion, OperationId operation = default, CancellationToken cancellationToken = default) =>
        Hold(agent, "Delete", operation, expectedVersion ?? -1, () => Inner.DeleteAsync(agent, key, expectedVersion, operation, CancellationToken.None));

    public override ValueTask<bool> ReleaseAsync(AgentId agent, ArtifactKey key, OperationId operation = default, CancellationToken cancellationToken = default) =>
        Hold(agent, "Release", operation, -1, () => Inner.ReleaseAsync(agent, key, operation, CancellationToken.None));

    public override ValueTask<CommitAllResult> CommitAllAsync(AgentId agent, IReadOnlyList<BatchMember> members, OperationId operation = default, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The client model does not explore CommitAll.");

    /// <summary>Finds a held call by its issue number.</summary>
    public StoreCall Find(int number) => Held.Find(c => c.Number == number) ?? throw new InvalidOperationException($"No held call #{number}.");

    private ValueTask<T> Hold<T>(AgentId agent, string operation, OperationId id, long argument, Func<ValueTask<T>> effect)
    {
        var call = new StoreCall<T>(++_issued, agent, operation, id, argument, effect);
        Held.Add(call);
        Issued?.Invoke(call);
        return new ValueTask<T>(call.Task);
    }
}

using AgentCoherence.Protocol;

namespace AgentCoherence.Volume.Tests;

/// <summary>
/// Pauses the next publish (CommitAll) right before it reaches the inner store, until <see cref="Release"/>:
/// a process stalled at the worst moment (a GC pause, a stopped VM) while it holds the grants.
/// </summary>
internal sealed class StallingDirectoryStore(IDirectoryStore inner) : DelegatingDirectoryStore(inner)
{
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when a publish is stalled.</summary>
    public Task Entered => _entered.Task;

    public void Release() => _released.TrySetResult();

    public override async ValueTask<CommitAllResult> CommitAllAsync(AgentId agent, IReadOnlyList<BatchMember> members, OperationId operation = default, CancellationToken cancellationToken = default)
    {
        await StallAsync();
        return await Inner.CommitAllAsync(agent, members, operation, cancellationToken);
    }

    public override async ValueTask<CommitAllResult> CommitAllWithEffectAsync(AgentId agent, IReadOnlyList<BatchMember> members, OperationId operation, Action<CommitAllResult> effect, CancellationToken cancellationToken = default)
    {
        await StallAsync();
        return await InnerEffects.CommitAllWithEffectAsync(agent, members, operation, effect, cancellationToken);
    }

    private async Task StallAsync()
    {
        _entered.TrySetResult();
        await _released.Task;
    }
}

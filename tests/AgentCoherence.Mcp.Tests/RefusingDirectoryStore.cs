using AgentCoherence.Testing;
using AgentCoherence.Protocol;

namespace AgentCoherence.Mcp.Tests;

/// <summary>
/// Wraps a store and makes its next commit (plain or compare-and-set) refuse with a chosen reason, or throw:
/// the refusals no tool call can provoke on its own (a reclaimed grant, a busy store, a bug).
/// </summary>
internal sealed class RefusingDirectoryStore(IDirectoryStore inner) : DelegatingDirectoryStore(inner)
{
    /// <summary>Builds the refusal the next commit returns, from the artifact and its current version.</summary>
    public Func<ArtifactKey, long, Refusal>? NextCommitRefusal { get; set; }

    /// <summary>Thrown by the next commit instead of committing.</summary>
    public Exception? NextCommitThrows { get; set; }

    /// <summary>How many commits in a row throw <see cref="NextCommitThrows"/> (once by default).</summary>
    public int ThrowTimes { get; set; } = 1;

    public override ValueTask<WriteResult> CommitAsync(AgentId agent, ArtifactKey key, ContentPayload content, OperationId operation = default, CancellationToken cancellationToken = default) =>
        Intercept(key, () => Inner.CommitAsync(agent, key, content, operation, cancellationToken), cancellationToken);

    public override ValueTask<WriteResult> CommitCasAsync(AgentId agent, ArtifactKey key, ContentPayload content, long expectedVersion, OperationId operation = default, CancellationToken cancellationToken = default) =>
        Intercept(key, () => Inner.CommitCasAsync(agent, key, content, expectedVersion, operation, cancellationToken), cancellationToken);

    // The volume commits through the effect variants (the rename runs inside the store's step).
    public override ValueTask<WriteResult> CommitWithEffectAsync(AgentId agent, ArtifactKey key, ContentPayload content, OperationId operation, Action<WriteResult> effect, CancellationToken cancellationToken = default) =>
        Intercept(key, () => InnerEffects.CommitWithEffectAsync(agent, key, content, operation, effect, cancellationToken), cancellationToken);

    public override ValueTask<WriteResult> CommitCasWithEffectAsync(AgentId agent, ArtifactKey key, ContentPayload content, long expectedVersion, OperationId operation, Action<WriteResult> effect, CancellationToken cancellationToken = default) =>
        Intercept(key, () => InnerEffects.CommitCasWithEffectAsync(agent, key, content, expectedVersion, operation, effect, cancellationToken), cancellationToken);

    private async ValueTask<WriteResult> Intercept(ArtifactKey key, Func<ValueTask<WriteResult>> commit, CancellationToken cancellationToken)
    {
        if (NextCommitThrows is { } exception)
        {
            if (--ThrowTimes <= 0)
            {
                NextCommitThrows = null;
                ThrowTimes = 1;
            }

            throw exception;
        }

        if (NextCommitRefusal is { } refuse)
        {
            NextCommitRefusal = null;
            var current = (await Inner.InspectAsync(key, cancellationToken))?.Version ?? 0;
            return new WriteResult(refuse(key, current), current, []);
        }

        return await commit();
    }
}

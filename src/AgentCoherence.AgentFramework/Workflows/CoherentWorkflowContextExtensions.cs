using Microsoft.Agents.AI.Workflows;

namespace AgentCoherence.AgentFramework.Workflows;

/// <summary>
/// Versioned reads and conditional writes of shared artifacts from workflow executors. The version an executor read is
/// kept in the executor's own (private) workflow state, so it is checkpointed with the rest of that state: when a checkpoint is
/// restored, the executor's view goes back to what it had read at that checkpoint, and a write based on it is refused if
/// the artifact has moved since.
/// </summary>
public static class CoherentWorkflowContextExtensions
{
    /// <summary>
    /// The prefix of the state keys (in the executor's private scope) that hold the versions it has read: the artifact's
    /// store key follows it.
    /// </summary>
    public const string StateKeyPrefix = "agentcoherence.seen:";

    /// <summary>
    /// Reads <paramref name="key"/> as <paramref name="agent"/> and remembers the version in the executor's state.
    /// </summary>
    /// <param name="context">The executor's workflow context.</param>
    /// <param name="agent">The AgentCoherence agent the executor acts as (for example one named after the executor id).</param>
    /// <param name="key">The artifact (<c>client.Key(name)</c>).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The artifact, or <see langword="null"/> when it does not exist (a later write then creates it).</returns>
    public static async ValueTask<ArtifactView?> ReadArtifactAsync(this IWorkflowContext context, CoherentAgent agent, ArtifactKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(key);
        var view = await agent.TryReadAsync(key, cancellationToken).ConfigureAwait(false);
        await context.QueueStateUpdateAsync(StateKeyPrefix + key.StoreKey, view?.Version ?? 0L, cancellationToken).ConfigureAwait(false);
        return view;
    }

    /// <summary>
    /// Writes <paramref name="content"/> to <paramref name="key"/> only if it is still at the version this executor last
    /// read (none read: only if it does not exist). A refusal is returned, not thrown, so the executor can re-read and merge.
    /// </summary>
    /// <param name="context">The executor's workflow context.</param>
    /// <param name="agent">The AgentCoherence agent the executor acts as.</param>
    /// <param name="key">The artifact (<c>client.Key(name)</c>).</param>
    /// <param name="content">The whole new content.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The committed view, or the refusal.</returns>
    public static async ValueTask<ArtifactWriteOutcome> TryWriteArtifactAsync(this IWorkflowContext context, CoherentAgent agent, ArtifactKey key, string content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(content);
        var seen = await context.ReadStateAsync<long?>(StateKeyPrefix + key.StoreKey, cancellationToken).ConfigureAwait(false) ?? 0L;
        ArtifactView view;
        try
        {
            view = await agent.WriteCasAsync(key, content, seen, cancellationToken).ConfigureAwait(false);
        }
        catch (CoherenceException refused)
        {
            return ArtifactWriteOutcome.Of(refused.Refusal);
        }

        await context.QueueStateUpdateAsync(StateKeyPrefix + key.StoreKey, view.Version, cancellationToken).ConfigureAwait(false);
        return ArtifactWriteOutcome.Of(view);
    }
}

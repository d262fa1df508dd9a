using System.Text.Json;
using Microsoft.Agents.AI.Workflows;

namespace AgentCoherence.AgentFramework.Workflows;

/// <summary>
/// An executor whose state is a coherent artifact (JSON) rather than workflow-local state (compare the framework's
/// <c>StatefulExecutor</c>), so several executors, workflows or processes can share it
/// without losing updates. For each message the current state is read, <see cref="Apply"/> computes the next one, and
/// it is committed only if nobody changed the state meanwhile; otherwise the state is read again and
/// <see cref="Apply"/> runs again on it. Effects belong in <see cref="OnCommittedAsync"/>, which runs once, after the
/// commit.
/// </summary>
/// <typeparam name="TState">The state, serialized with <see cref="JsonSerializer"/>.</typeparam>
/// <typeparam name="TInput">The message the executor handles.</typeparam>
public abstract class CoherentStatefulExecutor<TState, TInput> : Executor<TInput>
{
    private readonly CoherentAgent _agent;
    private readonly ArtifactKey _stateKey;
    private readonly JsonSerializerOptions? _json;

    /// <summary>Creates the executor.</summary>
    /// <param name="id">The executor id.</param>
    /// <param name="agent">The AgentCoherence agent the executor acts as.</param>
    /// <param name="stateKey">The artifact holding the state.</param>
    /// <param name="jsonOptions">How the state is serialized; the defaults when <see langword="null"/>.</param>
    protected CoherentStatefulExecutor(string id, CoherentAgent agent, ArtifactKey stateKey, JsonSerializerOptions? jsonOptions = null)
        : base(id)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(stateKey);
        _agent = agent;
        _stateKey = stateKey;
        _json = jsonOptions;
    }

    /// <summary>How many times a message is applied to a state that keeps changing before the refusal is thrown. 8 by default.</summary>
    public int MaxAttempts { get; init; } = 8;

    /// <summary>The state before the artifact exists.</summary>
    /// <returns>The initial state.</returns>
    protected abstract TState InitialState();

    /// <summary>The next state: a pure function of the message and the current state (it may run more than once).</summary>
    /// <param name="message">The message.</param>
    /// <param name="state">The current state.</param>
    /// <returns>The next state.</returns>
    protected abstract TState Apply(TInput message, TState state);

    /// <summary>Runs once the next state is committed: send messages or yield output here.</summary>
    /// <param name="message">The message.</param>
    /// <param name="state">The committed state.</param>
    /// <param name="context">The workflow context.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>A task that completes when the effects are queued.</returns>
    protected virtual ValueTask OnCommittedAsync(TInput message, TState state, IWorkflowContext context, CancellationToken cancellationToken) => default;

    /// <inheritdoc />
    /// <exception cref="CoherenceException">The state kept changing for <see cref="MaxAttempts"/> attempts, or the write was refused for another reason.</exception>
    public sealed override async ValueTask HandleAsync(TInput message, IWorkflowContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        for (var attempt = 1; ; attempt++)
        {
            var current = await context.ReadArtifactAsync(_agent, _stateKey, cancellationToken).ConfigureAwait(false);
            var state = current is null ? InitialState() : Deserialize(current.Text);
            var next = Apply(message, state);
            var outcome = await context.TryWriteArtifactAsync(_agent, _stateKey, JsonSerializer.Serialize(next, _json), cancellationToken).ConfigureAwait(false);
            if (outcome.Committed)
            {
                await OnCommittedAsync(message, next, context, cancellationToken).ConfigureAwait(false);
                return;
            }

            var refusal = outcome.Refusal!;
            if (refusal.Reason != RefusalReason.VersionConflict || attempt >= MaxAttempts)
            {
                throw refusal.ToException();
            }
        }
    }

    private TState Deserialize(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<TState>(json, _json)!;
        }
        catch (JsonException invalid)
        {
            throw new InvalidOperationException($"The state artifact '{_stateKey}' does not hold a {typeof(TState).Name}: {invalid.Message}", invalid);
        }
    }
}

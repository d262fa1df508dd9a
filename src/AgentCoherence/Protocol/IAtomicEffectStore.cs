namespace AgentCoherence.Protocol;

/// <summary>
/// A directory store that runs a caller's side effect inside the atomic step of a write: after
/// <see cref="CoherenceRules"/> accepted the write, before the step is made durable, with no other operation
/// interleaving (the in-memory store's lock, SQLite's <c>BEGIN IMMEDIATE</c> transaction). If the effect throws,
/// the step is undone (nothing applied, no operation recorded) and the store throws
/// <see cref="AtomicEffectFailedException"/> carrying the effect's exception. This is how something outside the
/// store follows the store exactly: <c>CoherentVolume</c> renames a file into place inside the step that checks
/// the grant and the fence, so a writer whose grant was reclaimed can never touch the file.
/// </summary>
/// <remarks>
/// <para>
/// The effect runs only for a write applied in that step: never for a refusal, and never for a retry whose
/// <see cref="OperationId"/> the store had already applied (the original step ran it). It runs while the store
/// excludes every other operation, on every host sharing the store, so it must be short (a rename, not a copy)
/// and must not call the store.
/// </para>
/// <para>
/// A step can still fail after its effect ran and before it was durable (a failed commit, a crash of the
/// process). The caller must be able to recognise that state later, and a retry of the same operation runs
/// the effect again, so an effect must be idempotent: it makes the world match the write it was given.
/// </para>
/// <para>
/// The Redis store does not implement this interface: its steps are Lua scripts run by the server, which
/// cannot call back into the client in the middle.
/// </para>
/// </remarks>
public interface IAtomicEffectStore : IDirectoryStore
{
    /// <summary>Commit under the grant; <paramref name="effect"/> runs inside the step when the commit is applied.</summary>
    /// <param name="agent">The caller.</param>
    /// <param name="key">The artifact.</param>
    /// <param name="content">The content to commit.</param>
    /// <param name="operation">The write's id (see <see cref="IDirectoryStore.CommitAsync"/>).</param>
    /// <param name="effect">Runs inside the step with the result when the commit is applied now; throwing undoes the step.</param>
    /// <param name="cancellationToken">Honoured before the step starts.</param>
    /// <exception cref="AtomicEffectFailedException">The effect threw; nothing was applied.</exception>
    ValueTask<WriteResult> CommitWithEffectAsync(AgentId agent, ArtifactKey key, ContentPayload content, OperationId operation, Action<WriteResult> effect, CancellationToken cancellationToken = default);

    /// <summary>Optimistic commit against <paramref name="expectedVersion"/>; <paramref name="effect"/> runs inside the step when it is applied.</summary>
    /// <param name="agent">The caller.</param>
    /// <param name="key">The artifact.</param>
    /// <param name="content">The content to commit.</param>
    /// <param name="expectedVersion">The version the content was derived from (0 creates).</param>
    /// <param name="operation">The write's id.</param>
    /// <param name="effect">Runs inside the step with the result when the write is applied now; throwing undoes the step.</param>
    /// <param name="cancellationToken">Honoured before the step starts.</param>
    /// <exception cref="AtomicEffectFailedException">The effect threw; nothing was applied.</exception>
    ValueTask<WriteResult> CommitCasWithEffectAsync(AgentId agent, ArtifactKey key, ContentPayload content, long expectedVersion, OperationId operation, Action<WriteResult> effect, CancellationToken cancellationToken = default);

    /// <summary>Atomic multi-artifact publish; <paramref name="effect"/> runs inside the step when every member is applied.</summary>
    /// <param name="agent">The caller.</param>
    /// <param name="members">The batch.</param>
    /// <param name="operation">The write's id.</param>
    /// <param name="effect">Runs inside the step with the result when the batch is applied now; throwing undoes the whole batch.</param>
    /// <param name="cancellationToken">Honoured before the step starts.</param>
    /// <exception cref="AtomicEffectFailedException">The effect threw; nothing was applied.</exception>
    /// <exception cref="CoherenceArgumentException">The batch is empty or names an artifact twice; nothing changes.</exception>
    ValueTask<CommitAllResult> CommitAllWithEffectAsync(AgentId agent, IReadOnlyList<BatchMember> members, OperationId operation, Action<CommitAllResult> effect, CancellationToken cancellationToken = default);

    /// <summary>
    /// The uncoordinated write of observe mode (<see cref="IDirectoryStore.OverrideAsync"/>); <paramref name="effect"/>
    /// runs inside the step when it is applied. The default implementation throws <see cref="NotSupportedException"/>.
    /// </summary>
    /// <param name="agent">The writer.</param>
    /// <param name="key">The artifact.</param>
    /// <param name="content">The content, or null to delete.</param>
    /// <param name="operation">The write's id.</param>
    /// <param name="effect">Runs inside the step with the result when the write is applied now; throwing undoes the step.</param>
    /// <param name="cancellationToken">Honoured before the step starts.</param>
    /// <exception cref="AtomicEffectFailedException">The effect threw; nothing was applied.</exception>
    /// <exception cref="NotSupportedException">The store has no uncoordinated write with an effect.</exception>
    ValueTask<WriteResult> OverrideWithEffectAsync(AgentId agent, ArtifactKey key, ContentPayload? content, OperationId operation, Action<WriteResult> effect, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException($"{GetType().Name} has no uncoordinated write with an effect (OverrideWithEffectAsync).");

    /// <summary>
    /// Runs <paramref name="effect"/> on a copy of the artifact's record (null when the store has none) inside a
    /// step that excludes every write, and returns what it returns. Nothing in the store changes. For work that
    /// must not interleave with a write's effect: repairing what a writer that died inside its step left behind.
    /// </summary>
    /// <exception cref="AtomicEffectFailedException">The effect threw.</exception>
    ValueTask<T> InspectWithEffectAsync<T>(ArtifactKey key, Func<DirectoryRecord?, T> effect, CancellationToken cancellationToken = default);
}

namespace AgentCoherence.Protocol;

/// <summary>
/// The authority's state: one record per artifact plus the registered agents. Every method is one
/// atomic step (a lock in memory, a transaction in SQLite, one Lua script in Redis) that applies
/// <see cref="CoherenceRules"/>; no other call can interleave inside it, on any host. Refusals come
/// back as values (<see cref="Refusal"/>), never as exceptions. Failures of the store itself are thrown as
/// <see cref="StoreUnavailableException"/> (nothing was applied) or <see cref="OutcomeUnknownException"/>
/// (a write may have landed: retry it with the same <see cref="OperationId"/> to find out).
/// </summary>
public interface IDirectoryStore
{
    /// <summary>Registers an agent (or refreshes its heartbeat); agents must register before any other call.</summary>
    ValueTask RegisterAgentAsync(AgentId agent, CancellationToken cancellationToken = default);

    /// <summary>Records a heartbeat (monotonic max). Refused with UnknownAgent when the agent is not registered.</summary>
    ValueTask<Refusal?> HeartbeatAsync(AgentId agent, CancellationToken cancellationToken = default);

    /// <summary>Read; with <paramref name="knownVersion"/> equal to the current version no content moves (re-validation).</summary>
    ValueTask<ReadResult> ReadAsync(AgentId agent, ArtifactKey key, long knownVersion = -1, CancellationToken cancellationToken = default);

    /// <summary>Acquire the write grant.</summary>
    /// <param name="agent">The caller.</param>
    /// <param name="key">The artifact.</param>
    /// <param name="operation">The write's id: a retry with the same id returns the recorded result and applies nothing (see <see cref="OperationId"/>).</param>
    /// <param name="cancellationToken">Honoured before the write is sent; a write already sent is never abandoned half-way.</param>
    ValueTask<WriteResult> AcquireAsync(AgentId agent, ArtifactKey key, OperationId operation = default, CancellationToken cancellationToken = default);

    /// <summary>Commit under the grant.</summary>
    ValueTask<WriteResult> CommitAsync(AgentId agent, ArtifactKey key, ContentPayload content, OperationId operation = default, CancellationToken cancellationToken = default);

    /// <summary>Optimistic commit against <paramref name="expectedVersion"/>.</summary>
    ValueTask<WriteResult> CommitCasAsync(AgentId agent, ArtifactKey key, ContentPayload content, long expectedVersion, OperationId operation = default, CancellationToken cancellationToken = default);

    /// <summary>Atomic multi-artifact publish: all members land or none does.</summary>
    /// <exception cref="CoherenceArgumentException">The batch is empty or names an artifact twice (<see cref="CoherenceRules.CheckBatch"/>); nothing changes.</exception>
    ValueTask<CommitAllResult> CommitAllAsync(AgentId agent, IReadOnlyList<BatchMember> members, OperationId operation = default, CancellationToken cancellationToken = default);

    /// <summary>Delete, under the grant (<paramref name="expectedVersion"/> null) or optimistically; commits a tombstone version.</summary>
    ValueTask<WriteResult> DeleteAsync(AgentId agent, ArtifactKey key, long? expectedVersion, OperationId operation = default, CancellationToken cancellationToken = default);

    /// <summary>
    /// The uncoordinated write of observe mode (<see cref="CoherenceRules.Override"/>): applies
    /// <paramref name="content"/> whatever the expected version, the grant, other holders and epochs, as a system
    /// without coordination would. Refused only with UnknownAgent, and with NotFound for a delete of an artifact that
    /// does not exist. Every peer holding a view (a grant holder included) is invalidated and signalled. Exactly once
    /// by <paramref name="operation"/>, like every write.
    /// </summary>
    /// <param name="agent">The writer.</param>
    /// <param name="key">The artifact.</param>
    /// <param name="content">The content, or null to delete (a tombstone version).</param>
    /// <param name="operation">The write's id: a retry with the same id returns the recorded result and applies nothing.</param>
    /// <param name="cancellationToken">Honoured before the write is sent.</param>
    /// <exception cref="NotSupportedException">The store has no uncoordinated write (the default implementation).</exception>
    ValueTask<WriteResult> OverrideAsync(AgentId agent, ArtifactKey key, ContentPayload? content, OperationId operation = default, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException($"{GetType().Name} has no uncoordinated write (OverrideAsync), so observe mode (AgentCoherence:Mode = Observe) cannot run on it.");

    /// <summary>Release the grant (E/M to S). False when the agent held none.</summary>
    ValueTask<bool> ReleaseAsync(AgentId agent, ArtifactKey key, OperationId operation = default, CancellationToken cancellationToken = default);

    /// <summary>A clean leave: drops the agent's entries and registration. False when it was not registered.</summary>
    ValueTask<bool> ForgetAsync(AgentId agent, CancellationToken cancellationToken = default);

    /// <summary>Crash recovery over every artifact at the store's current time.</summary>
    ValueTask<SweepResult> SweepAsync(SweepPolicy policy, CancellationToken cancellationToken = default);

    /// <summary>A copy of an artifact's record, for diagnostics and tests; null when the store has none.</summary>
    ValueTask<DirectoryRecord?> InspectAsync(ArtifactKey key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Every record the store holds, for status tools and diagnostics: each one a consistent copy, as
    /// <see cref="InspectAsync"/> returns it, except that <see cref="DirectoryRecord.Content"/> is null (a listing
    /// moves no content). Read-only: it registers no view, changes nothing and acts for no agent.
    /// </summary>
    /// <remarks>
    /// Each record is read in one atomic step, but the listing as a whole need not be one snapshot: a store may
    /// read it in bounded pages so that it never holds the store (a lock, a transaction, the Redis server) for
    /// long. A record that exists for the whole listing appears exactly once; one created or changed while the
    /// listing runs may appear in its old state, its new one, or (when created meanwhile) not at all. The order is
    /// unspecified. A failure of the store surfaces from the enumeration as <see cref="StoreUnavailableException"/>.
    /// The default implementation throws <see cref="NotSupportedException"/>; the stores of this library
    /// (<see cref="InMemoryDirectoryStore"/>, SQLite, Redis) override it.
    /// </remarks>
    /// <exception cref="NotSupportedException">The store cannot list its records.</exception>
    IAsyncEnumerable<DirectoryRecord> ListRecordsAsync(CancellationToken cancellationToken = default) =>
        throw new NotSupportedException($"{GetType().Name} cannot list its records.");

    /// <summary>
    /// Every registered agent with its last heartbeat, for status tools and diagnostics. Read-only. Paging,
    /// consistency and failures as for <see cref="ListRecordsAsync"/>: each agent that stays registered appears
    /// exactly once, in no particular order.
    /// </summary>
    /// <exception cref="NotSupportedException">The store cannot list its agents (the default implementation).</exception>
    IAsyncEnumerable<AgentHeartbeat> ListAgentsAsync(CancellationToken cancellationToken = default) =>
        throw new NotSupportedException($"{GetType().Name} cannot list its agents.");

    /// <summary>
    /// Whether clients in other processes can use this same directory (a database file, a server). Then a
    /// grant held by an agent of a process that crashed is reclaimed only by some client's sweep, so a
    /// <see cref="CoherenceClient"/> with <see cref="CrashRecoveryOptions.Enabled"/> off logs a warning
    /// naming this store. True unless the store overrides it; the in-process
    /// <see cref="InMemoryDirectoryStore"/> returns false.
    /// </summary>
    bool SharedAcrossProcesses => true;

    /// <summary>
    /// Connects to the store's server (or opens its file) and checks that it answers. The client calls it
    /// once from <see cref="CoherenceClient.StartAsync"/>, at host start or before the first operation, and
    /// cancels <paramref name="cancellationToken"/> when <see cref="CoherenceOptions.StartTimeout"/> runs out;
    /// after a failure the next start calls it again. A store that cannot connect throws
    /// <see cref="StoreUnavailableException"/> whose message names the setting, the address and the cause
    /// (when cancelled while still trying, the last cause it saw). The default does nothing: a store with
    /// nothing to connect to.
    /// </summary>
    ValueTask ConnectAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
}

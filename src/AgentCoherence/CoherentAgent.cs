using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using AgentCoherence.Internal;
using AgentCoherence.Protocol;
using AgentCoherence.Signals;

namespace AgentCoherence;

/// <summary>
/// One agent's handle: reads through a local cache kept coherent by signals, writes that the store
/// refuses when they would clobber newer work, and an optimistic update loop. Signals are hints for
/// the cache only; every write is checked by the store. Dispose to leave cleanly (grants released).
/// </summary>
public sealed class CoherentAgent : IAsyncDisposable
{
    private readonly CoherenceClient _client;
    private readonly ILogger _logger;
    private readonly AgentCache _cache;
    private readonly AgentLifecycle _life;
    private readonly StoreCalls _calls;
    private readonly Lock _gate = new();
    private readonly HashSet<Task> _refreshes = [];
    private readonly System.Collections.Concurrent.ConcurrentDictionary<ArtifactKey, byte> _grantsTaken = new();
    private Channel<InvalidationSignal>? _signals;
    private bool _disposed;
    private long _reads, _hits, _misses, _revalidations, _commits, _refusals, _signalsReceived, _tokensFetched, _tokensWritten, _signalTokens;

    internal CoherentAgent(CoherenceClient client, AgentId id, AgentOptions options, ILogger logger)
    {
        _client = client;
        Id = id;
        _logger = logger;
        Strategy = options.Strategy ?? client.Options.Cache.Strategy;
        _cache = new AgentCache(Strategy, client.Options.Cache, client.Time, client.Guards);
        _life = new AgentLifecycle(client, id, options, logger, _cache.InvalidateAll);
        _calls = new StoreCalls(client, id, logger, _life.ReregisterAsync);
        _life.Calls = _calls;
    }

    /// <summary>Raised for every signal applied to this agent (after de-duplication), on the thread that delivered it.</summary>
    public event EventHandler<InvalidationSignal>? SignalReceived;

    /// <summary>The agent's id.</summary>
    public AgentId Id { get; }

    /// <summary>The agent's cache strategy.</summary>
    public CacheStrategy Strategy { get; }

    /// <summary>A snapshot of what this agent's reads, writes and signals cost.</summary>
    public AgentStats Stats => new(
        Interlocked.Read(ref _reads), Interlocked.Read(ref _hits), Interlocked.Read(ref _misses), Interlocked.Read(ref _revalidations),
        Interlocked.Read(ref _commits), Interlocked.Read(ref _refusals), Interlocked.Read(ref _signalsReceived),
        Interlocked.Read(ref _tokensFetched), Interlocked.Read(ref _tokensWritten), Interlocked.Read(ref _signalTokens));

    /// <summary>Reads a key in the client's default namespace. See <see cref="ReadAsync(ArtifactKey, CancellationToken)"/>.</summary>
    public ValueTask<ArtifactView> ReadAsync(string name, CancellationToken cancellationToken = default) => ReadAsync(_client.Key(name), cancellationToken);

    /// <summary>
    /// Reads the artifact: from the local cache when the copy is valid under the agent's strategy (no
    /// content moves), else from the store, which registers this agent's view (state S).
    /// </summary>
    /// <exception cref="ArtifactNotFoundException">The artifact does not exist or was deleted (the tombstone's version is carried).</exception>
    public ValueTask<ArtifactView> ReadAsync(ArtifactKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (_client.Recorders is not null && _client.RecordingFull)
        {
            return WaitForRecordingThenReadAsync(key, cancellationToken);
        }

        if (_life.Ready && TryHit(key) is { } view)
        {
            return new ValueTask<ArtifactView>(view);
        }

        return ReadSlowAsync(key, cancellationToken);
    }

    // RecordingOverflow.Wait with a full queue: even a cache hit waits for room for its line.
    private async ValueTask<ArtifactView> WaitForRecordingThenReadAsync(ArtifactKey key, CancellationToken cancellationToken)
    {
        await _client.WaitForRecordingRoomAsync(cancellationToken).ConfigureAwait(false);
        return _life.Ready && TryHit(key) is { } view ? view : await ReadSlowAsync(key, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Like <see cref="ReadAsync(ArtifactKey, CancellationToken)"/>, but null when the artifact does not exist or was deleted.</summary>
    public async ValueTask<ArtifactView?> TryReadAsync(ArtifactKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        await _client.WaitForRecordingRoomAsync(cancellationToken).ConfigureAwait(false);
        if (_life.Ready && TryHit(key) is { } view)
        {
            return view;
        }

        var (found, _) = await FetchAsync(key, useKnownVersion: true, cancellationToken).ConfigureAwait(false);
        return found;
    }

    /// <summary>Re-reads a key in the default namespace from the store. See <see cref="ReacquireAsync(ArtifactKey, CancellationToken)"/>.</summary>
    public ValueTask<ArtifactView> ReacquireAsync(string name, CancellationToken cancellationToken = default) => ReacquireAsync(_client.Key(name), cancellationToken);

    /// <summary>
    /// Re-reads the artifact from the store, bypassing the cache: the recovery step after a
    /// <see cref="StaleViewException"/> or <see cref="StaleEpochException"/>. Re-derive your change from the result.
    /// </summary>
    public async ValueTask<ArtifactView> ReacquireAsync(ArtifactKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var (view, refusal) = await FetchAsync(key, useKnownVersion: true, cancellationToken).ConfigureAwait(false);
        return view ?? throw Refuse(refusal!);
    }

    /// <summary>Writes text to a key in the default namespace. See <see cref="WriteAsync(ArtifactKey, string, CancellationToken)"/>.</summary>
    public ValueTask<ArtifactView> WriteAsync(string name, string content, CancellationToken cancellationToken = default) => WriteAsync(_client.Key(name), content, cancellationToken);

    /// <summary>
    /// Writes under the write grant: acquire, commit, release. Refused with <see cref="StaleViewException"/>
    /// when this agent's view of an existing artifact is not current (call <see cref="ReacquireAsync(ArtifactKey, CancellationToken)"/>,
    /// re-derive, write again), with <see cref="HeldByOtherException"/> while a peer holds the grant.
    /// </summary>
    public ValueTask<ArtifactView> WriteAsync(ArtifactKey key, string content, CancellationToken cancellationToken = default) =>
        WriteAsync(key, Payload(content), cancellationToken);

    /// <summary>Writes bytes under the write grant. See <see cref="WriteAsync(ArtifactKey, string, CancellationToken)"/>.</summary>
    public ValueTask<ArtifactView> WriteAsync(ArtifactKey key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) =>
        WriteAsync(key, Payload(content.Span), cancellationToken);

    /// <summary>
    /// Takes the write grant for several commits: <c>await using var grant = await agent.AcquireAsync(key);</c>.
    /// Disposing the grant releases it.
    /// </summary>
    /// <exception cref="StaleViewException">This agent's view of the existing artifact is not current.</exception>
    /// <exception cref="HeldByOtherException">A peer holds the grant.</exception>
    /// <exception cref="StoreUnavailableException">The store stayed unreachable; nothing was written (a grant the call may have taken is released).</exception>
    public async ValueTask<CoherenceGrant> AcquireAsync(ArtifactKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        await _life.EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
        WriteResult result;
        using (var activity = Span("coherence.acquire", key))
        {
            try
            {
                result = await _calls.WriteAsync("Acquire", key, (op, ct) => _client.Directory.AcquireAsync(Id, key, op, ct), IsUnknownAgent, cancellationToken).ConfigureAwait(false);
            }
            catch (OutcomeUnknownException unknown)
            {
                // The grant may be held, but nothing was written and the caller has no handle on it: give
                // it back (in the background if the store is still unreachable) and let the caller retry.
                await ReleaseAfterWriteAsync(key).ConfigureAwait(false);
                throw new StoreUnavailableException("Acquire", key, $"Acquiring the grant on '{key}' failed at the directory store; nothing was written, and a grant it may have taken is being released. Retry when the store answers.", unknown);
            }
        }

        if (result.Refusal is { } refusal)
        {
            if (Observes(refusal))
            {
                // Observe mode: the uncoordinated system would write without the grant. The grant handed back is
                // not held; its commits and deletes go through the uncoordinated write (OverrideAsync).
                _client.ReportWouldBeRefused(_logger, Id, "Acquire", refusal);
                return new CoherenceGrant(this, key, result.Version, held: false);
            }

            throw Refuse(refusal);
        }

        _grantsTaken[key] = 0;
        _life.ReleaseDone(key);
        return new CoherenceGrant(this, key, result.Version);
    }

    /// <summary>
    /// Optimistic write: lands only if the artifact is still at <paramref name="expectedVersion"/>
    /// (0 creates; a tombstone's version re-creates). No grant needed.
    /// </summary>
    /// <exception cref="VersionConflictException">The artifact moved; re-read, merge, retry.</exception>
    /// <exception cref="HeldByOtherException">A peer holds the grant.</exception>
    /// <exception cref="StaleEpochException">This agent's last read predates a reclamation; re-read.</exception>
    /// <exception cref="ExpectedVersionAheadException">The expected version is ahead of the artifact.</exception>
    /// <exception cref="OutcomeUnknownException">The store stayed unreachable after the write was sent: it may have landed; see <see cref="ResolveAsync"/>.</exception>
    public ValueTask<ArtifactView> WriteCasAsync(ArtifactKey key, string content, long expectedVersion, CancellationToken cancellationToken = default) =>
        WriteCasCoreAsync(key, Payload(content), expectedVersion, effect: null, cancellationToken);

    /// <summary>
    /// <see cref="WriteCasAsync(ArtifactKey, string, long, CancellationToken)"/> with <paramref name="effect"/> run inside
    /// the store's atomic step when the write is applied, with the new version: after the store accepted the write,
    /// before it is durable, while no other operation on the store can interleave. This is how something outside the
    /// store follows it exactly (<c>CoherentVolume</c> renames a file into place inside the step).
    /// </summary>
    /// <remarks>
    /// <para>
    /// The effect runs only when the write is applied now: never for a refusal, and never for a retry with the same
    /// operation id of a write the store had already applied (after a lost reply, or in <see cref="ResolveAsync"/>).
    /// It blocks every other operation on the store while it runs, so it must be short and must not call the store.
    /// </para>
    /// <para>
    /// If the effect throws, the store undoes the step (nothing lands) and what it threw reaches the caller unchanged,
    /// unretried. The step can still fail after the effect ran (the store crashed before the commit was durable); a
    /// retry then runs it again, so the effect must be idempotent and the caller able to recognise that state later.
    /// </para>
    /// </remarks>
    /// <param name="key">The artifact.</param>
    /// <param name="content">The new text (UTF-8).</param>
    /// <param name="expectedVersion">The version the content was derived from (0 creates).</param>
    /// <param name="effect">Runs inside the step with the new version when the write is applied.</param>
    /// <param name="cancellationToken">Honoured until the write may have landed.</param>
    /// <exception cref="NotSupportedException">The store cannot run code inside its steps (it does not implement <see cref="IAtomicEffectStore"/>; the Redis store, for one). Nothing was sent.</exception>
    /// <exception cref="VersionConflictException">The artifact moved; the effect did not run.</exception>
    /// <exception cref="HeldByOtherException">A peer holds the grant; the effect did not run.</exception>
    /// <exception cref="StaleEpochException">This agent's last read predates a reclamation; the effect did not run.</exception>
    /// <exception cref="ExpectedVersionAheadException">The expected version is ahead of the artifact; the effect did not run.</exception>
    /// <exception cref="OutcomeUnknownException">The store stayed unreachable after the write was sent: it may have landed (and the effect run); see <see cref="ResolveAsync"/>.</exception>
    public ValueTask<ArtifactView> WriteCasAsync(ArtifactKey key, string content, long expectedVersion, Action<long> effect, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(effect);
        _ = _client.EffectStore();
        return CoherenceClient.UnwrapEffectFailureAsync(WriteCasCoreAsync(key, Payload(content), expectedVersion, r => effect(r.Version), cancellationToken));
    }

    /// <summary>Updates a key in the default namespace. See <see cref="UpdateAsync(ArtifactKey, Func{ArtifactView?, string}, CancellationToken)"/>.</summary>
    public ValueTask<ArtifactView> UpdateAsync(string name, Func<ArtifactView?, string> update, CancellationToken cancellationToken = default) =>
        UpdateAsync(_client.Key(name), update, cancellationToken);

    /// <summary>
    /// Optimistic read-modify-write: read, compute <paramref name="update"/> (null input when the artifact
    /// does not exist), compare-and-set; on a retryable conflict re-read and retry with exponential
    /// back-off and jitter, at most <see cref="UpdateOptions.MaxRetries"/> times. The function may run
    /// more than once and must be free of side effects.
    /// </summary>
    /// <exception cref="CasRetriesExhaustedException">Every attempt lost.</exception>
    public ValueTask<ArtifactView> UpdateAsync(ArtifactKey key, Func<ArtifactView?, string> update, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(update);
        return UpdateAsync(key, (current, _) => ValueTask.FromResult(update(current)), cancellationToken);
    }

    /// <summary>The asynchronous form of <see cref="UpdateAsync(ArtifactKey, Func{ArtifactView?, string}, CancellationToken)"/>.</summary>
    public async ValueTask<ArtifactView> UpdateAsync(ArtifactKey key, Func<ArtifactView?, CancellationToken, ValueTask<string>> update, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(update);
        var settings = _client.Options.Update;
        var (current, expected) = await ReadForUpdateAsync(key, fresh: false, cancellationToken).ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            var payload = Payload(await update(current, cancellationToken).ConfigureAwait(false));
            var result = await CommitCasCoreAsync(key, payload, expected, effect: null, cancellationToken).ConfigureAwait(false);
            if (result.Refusal is not { } refusal)
            {
                return Committed(key, payload, result.Version);
            }

            Refused(refusal);
            if (refusal.Reason is not (RefusalReason.VersionConflict or RefusalReason.HeldByOther or RefusalReason.StaleEpoch))
            {
                throw refusal.ToException();
            }

            if (attempt > settings.MaxRetries)
            {
                throw new CasRetriesExhaustedException(refusal, attempt, refusal.ToException());
            }

            var delay = Backoff(settings, attempt);
            Log.UpdateRetry(_logger, Id.Value, key.ToString(), attempt, refusal.Reason, delay.TotalMilliseconds);
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, _client.Time, cancellationToken).ConfigureAwait(false);
            }

            (current, expected) = await ReadForUpdateAsync(key, fresh: true, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Deletes the artifact: under the grant when <paramref name="expectedVersion"/> is null (acquire,
    /// delete, release), else optimistically. The delete is itself a version (a tombstone); returns it.
    /// </summary>
    public async ValueTask<long> DeleteAsync(ArtifactKey key, long? expectedVersion = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (expectedVersion is null)
        {
            await using var grant = await AcquireAsync(key, cancellationToken).ConfigureAwait(false);
            return await grant.DeleteAsync(cancellationToken).ConfigureAwait(false);
        }

        await _life.EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
        WriteResult result;
        using (var activity = Span("coherence.delete", key))
        {
            result = await _calls.WriteAsync("Delete", key, (op, ct) => _client.Directory.DeleteAsync(Id, key, expectedVersion, op, ct), IsUnknownAgent, cancellationToken, onResult: r => DeletedAsync(key, r)).ConfigureAwait(false);
        }

        result = await ObserveAsync("Delete", key, null, null, result, cancellationToken).ConfigureAwait(false);
        return result.Refusal is { } refusal ? throw Refuse(refusal) : result.Version;
    }

    /// <summary>
    /// Publishes several artifacts atomically: each member is checked as a compare-and-set against its
    /// expected version, and all land or none does.
    /// </summary>
    /// <exception cref="BatchConflictException">At least one member was refused; nothing landed.</exception>
    public async ValueTask<IReadOnlyList<ArtifactView>> PublishAsync(IEnumerable<PublishItem> items, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        var list = items.ToList();
        if (list.Count == 0 || list.Count > _client.Options.MaxBatchSize)
        {
            throw new CoherenceArgumentException(nameof(items), $"A publish holds 1 to {_client.Options.MaxBatchSize} members (got {list.Count}).");
        }

        return await PublishBatchAsync(Members(list), effect: null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// <see cref="PublishAsync(IEnumerable{PublishItem}, CancellationToken)"/> with <paramref name="effect"/> run inside
    /// the store's atomic step when the whole batch is applied, with the new versions in the order of
    /// <paramref name="items"/>. The effect runs as for
    /// <see cref="WriteCasAsync(ArtifactKey, string, long, Action{long}, CancellationToken)"/>: only when the batch is
    /// applied now, never on a refusal or a same-id retry; if it throws, no member lands and what it threw reaches the
    /// caller unchanged.
    /// </summary>
    /// <param name="items">The members.</param>
    /// <param name="effect">Runs inside the step with every member's new version when the batch is applied.</param>
    /// <param name="cancellationToken">Honoured until the batch may have landed.</param>
    /// <exception cref="NotSupportedException">The store cannot run code inside its steps (it does not implement <see cref="IAtomicEffectStore"/>). Nothing was sent.</exception>
    /// <exception cref="BatchConflictException">At least one member was refused; nothing landed and the effect did not run.</exception>
    /// <exception cref="OutcomeUnknownException">The store stayed unreachable after the batch was sent: it may have landed (and the effect run); see <see cref="ResolveAsync"/>.</exception>
    public async ValueTask<IReadOnlyList<ArtifactView>> PublishAsync(IEnumerable<PublishItem> items, Action<IReadOnlyList<long>> effect, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(effect);
        _ = _client.EffectStore();
        var list = items.ToList();
        if (list.Count == 0 || list.Count > _client.Options.MaxBatchSize)
        {
            throw new CoherenceArgumentException(nameof(items), $"A publish holds 1 to {_client.Options.MaxBatchSize} members (got {list.Count}).");
        }

        return await CoherenceClient.UnwrapEffectFailureAsync(PublishBatchAsync(Members(list), r => effect(r.Versions), cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Releases the grant on the artifact (E/M to S). False when this agent held none.</summary>
    public async ValueTask<bool> ReleaseAsync(ArtifactKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        await _life.EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
        using var activity = Span("coherence.release", key);
        var released = await _calls.WriteAsync("Release", key, (op, ct) => _client.Directory.ReleaseAsync(Id, key, op, ct), _ => false, cancellationToken).ConfigureAwait(false);
        _grantsTaken.TryRemove(key, out _);
        _life.ReleaseDone(key);
        return released;
    }

    /// <summary>Sends a heartbeat now (they are also sent automatically while the agent lives).</summary>
    /// <remarks>An agent the store no longer knows registers again (and treats its cached views as invalid).</remarks>
    /// <exception cref="UnknownAgentException">The store still did not know the agent after it registered again.</exception>
    public async ValueTask HeartbeatAsync(CancellationToken cancellationToken = default)
    {
        await _life.EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
        if (await _calls.ReadAsync("Heartbeat", null, ct => _client.Directory.HeartbeatAsync(Id, ct), r => r?.Reason == RefusalReason.UnknownAgent, cancellationToken).ConfigureAwait(false) is { } refusal)
        {
            throw Refuse(refusal);
        }
    }

    /// <summary>
    /// Finds out what happened to a write that failed with <see cref="OutcomeUnknownException"/>: sends the
    /// same write again with the same <see cref="OperationId"/>. If it had landed, the store returns the
    /// recorded result (nothing applies twice) and its signals are published; if it had not, it is checked
    /// against the current state and applied once, or refused. A write sent with an in-step effect that is
    /// applied now runs its effect now; if the effect throws, nothing lands and what it threw is rethrown here.
    /// </summary>
    /// <returns>True when the write has landed (before or now); false when the store refused it (it never landed).</returns>
    /// <exception cref="OutcomeUnknownException">The store is still unreachable; call again later.</exception>
    public async ValueTask<bool> ResolveAsync(OutcomeUnknownException unknown, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(unknown);
        var replay = unknown.Replay ?? throw new CoherenceArgumentException(nameof(unknown), $"The exception (operation id {unknown.OperationId}) was not raised by an agent; resend the write with its operation id to the store instead.");
        // A write sent with an effect that had not landed is applied now, effect included; what the effect throws
        // reaches the caller as it does from the write itself.
        var landed = await CoherenceClient.UnwrapEffectFailureAsync(replay(cancellationToken)).ConfigureAwait(false) switch
        {
            WriteResult write => write.Succeeded,
            CommitAllResult batch => batch.Committed,
            bool released => released,
            var other => throw new InvalidOperationException($"Unexpected outcome {other?.GetType().Name}."),
        };

        // The copy cached before the write is older than what landed (and the store records this agent's view at its
        // own write): drop its validity, so the next read re-validates and fetches the version the write made.
        if (landed && unknown.Operation is not "Release")
        {
            if (unknown.Operation == "CommitAll")
            {
                _cache.InvalidateAll();
            }
            else
            {
                _cache.Invalidate(unknown.Key);
            }
        }

        return landed;
    }

    /// <summary>
    /// The signals applied to this agent, as they arrive (after de-duplication). Buffers the latest
    /// 1,024 signals from the first call on; older ones are dropped if nobody reads.
    /// </summary>
    public async IAsyncEnumerable<InvalidationSignal> Signals([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Channel<InvalidationSignal> channel;
        lock (_gate)
        {
            channel = _signals ??= Channel.CreateBounded<InvalidationSignal>(new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropOldest });
        }

        await _life.EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var signal in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return signal;
        }
    }

    /// <summary>
    /// Leaves cleanly: stops heartbeats, releases every grant and drops this agent's entries in the store
    /// (with <see cref="CoherenceOptions.KeepViewsOnDispose"/>, releases the grants it took and keeps its views).
    /// A store that cannot be reached is logged, not thrown: the sweep reclaims what the agent still held.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        Task[] pending;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            pending = [.. _refreshes];
            _signals?.Writer.TryComplete();
        }

        _life.Dispose();
        await Task.WhenAll(pending).ConfigureAwait(false);
        _client.Remove(this);
        if (!_life.Started)
        {
            return;
        }

        try
        {
            if (_client.Options.KeepViewsOnDispose)
            {
                await _life.RetryPendingReleasesAsync().ConfigureAwait(false);
                foreach (var key in _grantsTaken.Keys.OrderBy(k => k.StoreKey, StringComparer.Ordinal))
                {
                    await _client.Directory.ReleaseAsync(Id, key, OperationId.New()).ConfigureAwait(false);
                }

                return;
            }

            await _client.Directory.ForgetAsync(Id).ConfigureAwait(false);
            Log.AgentLeft(_logger, Id.Value);
        }
        catch (Exception ex) when (ex is not InvariantViolationException)
        {
            Log.LeaveFailed(_logger, ex, Id.Value);
        }
    }

    /// <summary>The publish; a non-null <paramref name="effect"/> runs inside the store's atomic step when the batch is applied.</summary>
    /// <exception cref="AtomicEffectFailedException">The effect threw; the store undid the step, nothing landed.</exception>
    private async ValueTask<IReadOnlyList<ArtifactView>> PublishBatchAsync(IReadOnlyList<BatchMember> members, Action<CommitAllResult>? effect, CancellationToken cancellationToken)
    {
        if (members.Count > _client.Options.MaxBatchSize)
        {
            throw new CoherenceArgumentException(nameof(members), $"A publish holds 1 to {_client.Options.MaxBatchSize} members (got {members.Count}).");
        }

        CoherenceRules.CheckBatch(members);
        var effects = effect is null ? null : _client.EffectStore();
        await _life.EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
        CommitAllResult result;
        using (var activity = Span("coherence.commit_all", members[0].Key))
        {
            result = await _calls.WriteAsync(
                "CommitAll",
                members[0].Key,
                (op, ct) => effects is null ? _client.Directory.CommitAllAsync(Id, members, op, ct) : effects.CommitAllWithEffectAsync(Id, members, op, effect!, ct),
                r => r.Refusals.Any(x => x?.Reason == RefusalReason.UnknownAgent),
                cancellationToken,
                onResult: r => r.Committed ? _client.PublishAsync(r.Signals, CancellationToken.None) : ValueTask.CompletedTask).ConfigureAwait(false);
        }

        if (!result.Committed && effect is null && _client.Observing && result.Refusals.All(r => r is null || WouldBeRefusal.IsCoordination(r.Reason)))
        {
            return await ObservePublishAsync(members, result, cancellationToken).ConfigureAwait(false);
        }

        if (!result.Committed)
        {
            foreach (var refusal in result.Refusals)
            {
                if (refusal is not null)
                {
                    Refused(refusal);
                }
            }

            throw new BatchConflictException(result.Refusals);
        }

        var views = new ArtifactView[members.Count];
        for (var i = 0; i < members.Count; i++)
        {
            views[i] = Committed(members[i].Key, members[i].Content, result.Versions[i]);
        }

        return views;
    }

    /// <summary>Commits under the grant; a non-null <paramref name="effect"/> runs inside the store's atomic step when the commit is applied.</summary>
    /// <exception cref="AtomicEffectFailedException">The effect threw; the store undid the step, nothing landed.</exception>
    internal async ValueTask<ArtifactView> CommitUnderGrantAsync(ArtifactKey key, ContentPayload payload, Action<WriteResult>? effect, CancellationToken cancellationToken, bool held = true)
    {
        var effects = effect is null ? null : _client.EffectStore();
        if (!held)
        {
            // A grant observe mode handed out without the store granting it (its refusal was reported then).
            var blind = await OverrideCoreAsync(key, payload, effect, cancellationToken).ConfigureAwait(false);
            return blind.Refusal is { } refused ? throw Refuse(refused) : Committed(key, payload, blind.Version);
        }

        WriteResult result;
        using (var activity = Span("coherence.commit", key))
        {
            result = await _calls.WriteAsync(
                "Commit",
                key,
                (op, ct) => effects is null ? _client.Directory.CommitAsync(Id, key, payload, op, ct) : effects.CommitWithEffectAsync(Id, key, payload, op, effect!, ct),
                IsUnknownAgent,
                cancellationToken,
                onResult: PublishOnSuccess).ConfigureAwait(false);
        }

        result = await ObserveAsync("Commit", key, payload, effect, result, cancellationToken).ConfigureAwait(false);
        return result.Refusal is { } refusal ? throw Refuse(refusal) : Committed(key, payload, result.Version);
    }

    /// <summary>The compare-and-set write; a non-null <paramref name="effect"/> runs inside the store's atomic step when the write is applied.</summary>
    /// <exception cref="AtomicEffectFailedException">The effect threw; the store undid the step, nothing landed.</exception>
    private async ValueTask<ArtifactView> WriteCasCoreAsync(ArtifactKey key, ContentPayload payload, long expectedVersion, Action<WriteResult>? effect, CancellationToken cancellationToken)
    {
        var result = await CommitCasCoreAsync(key, payload, expectedVersion, effect, cancellationToken).ConfigureAwait(false);
        return result.Refusal is { } refusal ? throw Refuse(refusal) : Committed(key, payload, result.Version);
    }

    internal async ValueTask<long> DeleteUnderGrantAsync(ArtifactKey key, CancellationToken cancellationToken, bool held = true)
    {
        WriteResult result;
        if (!held)
        {
            result = await OverrideCoreAsync(key, null, null, cancellationToken).ConfigureAwait(false);
            return result.Refusal is { } refused ? throw Refuse(refused) : result.Version;
        }

        using (var activity = Span("coherence.delete", key))
        {
            result = await _calls.WriteAsync("Delete", key, (op, ct) => _client.Directory.DeleteAsync(Id, key, null, op, ct), IsUnknownAgent, cancellationToken, onResult: r => DeletedAsync(key, r)).ConfigureAwait(false);
        }

        result = await ObserveAsync("Delete", key, null, null, result, cancellationToken).ConfigureAwait(false);
        return result.Refusal is { } refusal ? throw Refuse(refusal) : result.Version;
    }

    /// <summary>
    /// Releases a grant after its writes landed, never throwing: a write that landed is reported as landed.
    /// A release the store did not confirm is retried with the same id by the heartbeats and on dispose.
    /// </summary>
    internal async ValueTask ReleaseAfterWriteAsync(ArtifactKey key)
    {
        var operation = OperationId.New();
        try
        {
            await _calls.WriteAsync("Release", key, (op, ct) => _client.Directory.ReleaseAsync(Id, key, op, ct), _ => false, CancellationToken.None, operation).ConfigureAwait(false);
            _grantsTaken.TryRemove(key, out _);
        }
        catch (Exception ex) when (ex is CoherenceFaultException or ObjectDisposedException)
        {
            Log.ReleasePending(_logger, ex, Id.Value, key.ToString());
            _life.ReleaseLater(key, operation);
        }
    }

    internal ContentPayload Payload(string content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var max = _client.Options.MaxContentBytes;
        var bytes = Encoding.UTF8.GetByteCount(content);
        if (bytes > max)
        {
            throw new CoherenceArgumentException(nameof(content), $"Content is {bytes} bytes; the limit (AgentCoherence:MaxContentBytes) is {max}.");
        }

        return ContentPayload.Create(Encoding.UTF8.GetBytes(content), _client.TokenCounter.CountTokens(content));
    }

    internal ContentPayload Payload(ReadOnlySpan<byte> content)
    {
        var max = _client.Options.MaxContentBytes;
        if (content.Length > max)
        {
            throw new CoherenceArgumentException(nameof(content), $"Content is {content.Length} bytes; the limit (AgentCoherence:MaxContentBytes) is {max}.");
        }

        return ContentPayload.Create(content, _client.TokenCounter.CountTokens(Encoding.UTF8.GetString(content)));
    }

    /// <summary>Marks every cached copy invalid, so the next read of each re-validates with the store.</summary>
    internal void InvalidateAll() => _cache.InvalidateAll();

    /// <summary>The agent's cache, for the client model checker to inspect.</summary>
    internal AgentCache Cache => _cache;

    internal void OnSignal(InvalidationSignal signal)
    {
        Channel<InvalidationSignal>? channel;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            channel = _signals;
        }

        var effect = _cache.OnSignal(signal);
        if (effect == AgentCache.SignalEffect.Dropped)
        {
            return;
        }

        Interlocked.Increment(ref _signalsReceived);
        if (_client.Recorders is not null)
        {
            RecordDelivered(signal);
        }

        if (Strategy != CacheStrategy.Broadcast)
        {
            // Broadcast is the baseline that pays for content instead of a notice.
            SignalText.FormatWithTokens(signal, out var tokens);
            Interlocked.Add(ref _signalTokens, tokens);
        }

        _client.Diagnostics.SignalsReceived.Add(1);
        channel?.Writer.TryWrite(signal);
        try
        {
            SignalReceived?.Invoke(this, signal);
        }
        catch (Exception ex)
        {
            Log.SignalHandlerFailed(_logger, ex, Id.Value);
        }

        if (effect == AgentCache.SignalEffect.AppliedRefresh)
        {
            StartRefresh(signal.Key);
        }
    }

    private void RecordHit(ArtifactView view)
    {
        var now = _client.Time.GetUtcNow();
        _client.Record(new Recording.RecordingEntry
        {
            Op = Recording.RecordingOperation.CacheHit,
            Agent = Id.Value,
            Key = view.Key.StoreKey,
            View = view.Version,
            Version = view.Version,
            Hash = view.ContentHash,
            Size = view.Content.Length,
            Tokens = view.SizeTokens,
            Content = _client.RecordsContent ? Convert.ToBase64String(view.Content.Span) : null,
            Started = now,
            Completed = now,
        });
    }

    private void RecordDelivered(InvalidationSignal signal)
    {
        var now = _client.Time.GetUtcNow();
        _client.Record(new Recording.RecordingEntry
        {
            Op = Recording.RecordingOperation.SignalDelivered,
            Agent = Id.Value,
            Key = signal.Key.StoreKey,
            Version = signal.NewVersion,
            OwnerEpoch = signal.OwnerEpoch,
            Issuer = signal.Issuer.Value,
            SignalKind = signal.Kind,
            Started = now,
            Completed = now,
        });
    }

    private static bool IsUnknownAgent(WriteResult result) => result.Refusal?.Reason == RefusalReason.UnknownAgent;

    private ValueTask PublishOnSuccess(WriteResult result) =>
        result.Succeeded ? _client.PublishAsync(result.Signals, CancellationToken.None) : ValueTask.CompletedTask;

    private async ValueTask<ArtifactView> WriteAsync(ArtifactKey key, ContentPayload payload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var grant = await AcquireAsync(key, cancellationToken).ConfigureAwait(false);
        return await CommitUnderGrantAsync(key, payload, effect: null, cancellationToken, grant.IsHeld).ConfigureAwait(false);
    }

    private async ValueTask<ArtifactView> ReadSlowAsync(ArtifactKey key, CancellationToken cancellationToken)
    {
        var (view, refusal) = await FetchAsync(key, useKnownVersion: true, cancellationToken).ConfigureAwait(false);
        return view ?? throw Refuse(refusal!);
    }

    private async ValueTask<(ArtifactView? View, long Expected)> ReadForUpdateAsync(ArtifactKey key, bool fresh, CancellationToken cancellationToken)
    {
        await _client.WaitForRecordingRoomAsync(cancellationToken).ConfigureAwait(false);
        if (!fresh && _life.Ready && TryHit(key) is { } hit)
        {
            return (hit, hit.Version);
        }

        var (view, refusal) = await FetchAsync(key, useKnownVersion: true, cancellationToken).ConfigureAwait(false);
        if (view is not null)
        {
            return (view, view.Version);
        }

        return refusal!.Reason == RefusalReason.NotFound ? (null, refusal.CurrentVersion) : throw Refuse(refusal);
    }

    private ArtifactView? TryHit(ArtifactKey key)
    {
        if (_cache.TryHit(key) is not { } view)
        {
            return null;
        }

        Interlocked.Increment(ref _reads);
        Interlocked.Increment(ref _hits);
        if (_client.Recorders is not null)
        {
            RecordHit(view);
        }

        var diagnostics = _client.Diagnostics;
        diagnostics.Reads.Add(1);
        diagnostics.Hits.Add(1);
        diagnostics.TokensSaved.Add(Math.Max(0, view.SizeTokens - 1));
        return view;
    }

    // A fetch is a request and a later reply; signals may arrive in between. The cache stores the reply
    // invalid when a signal for a newer version or owner epoch of the key arrived (AgentCache).
    private async ValueTask<(ArtifactView? View, Refusal? Refusal)> FetchAsync(ArtifactKey key, bool useKnownVersion, CancellationToken cancellationToken)
    {
        await _life.EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
        var known = useKnownVersion ? _cache.KnownVersion(key) : -1;
        ReadResult result;
        using (var activity = Span("coherence.read", key))
        {
            result = await _calls.ReadAsync("Read", key, ct => _client.Directory.ReadAsync(Id, key, known, ct), r => r.Refusal?.Reason == RefusalReason.UnknownAgent, cancellationToken).ConfigureAwait(false);
        }

        Interlocked.Increment(ref _reads);
        _client.Diagnostics.Reads.Add(1);
        if (result.Refusal is { } refusal)
        {
            if (refusal.Reason == RefusalReason.NotFound)
            {
                _cache.Remove(key);
            }
            else
            {
                Refused(refusal);
            }

            Interlocked.Increment(ref _misses);
            _client.Diagnostics.Misses.Add(1);
            if (refusal.Reason == RefusalReason.UnknownAgent)
            {
                throw refusal.ToException();
            }

            return (null, refusal);
        }

        if (!result.ContentIncluded)
        {
            if (_cache.Revalidate(key, result.Version, result.OwnerEpoch) is { } revalidated)
            {
                // The version did not move: no content crossed, so the read counts as a hit.
                Interlocked.Increment(ref _revalidations);
                Interlocked.Increment(ref _hits);
                _client.Diagnostics.Hits.Add(1);
                return (revalidated, null);
            }

            // The copy went away while the request was out (a delete signal): fetch the content.
            return await FetchAsync(key, useKnownVersion: false, cancellationToken).ConfigureAwait(false);
        }

        var view = new ArtifactView(key, result.Version, result.Content ?? [], result.ContentHash, result.SizeTokens, result.LastWriter, result.CommittedAt);
        _cache.StoreFetched(view, result.OwnerEpoch);
        Interlocked.Increment(ref _misses);
        Interlocked.Add(ref _tokensFetched, view.SizeTokens);
        _client.Diagnostics.Misses.Add(1);
        return (view, null);
    }

    private async ValueTask<WriteResult> CommitCasCoreAsync(ArtifactKey key, ContentPayload payload, long expectedVersion, Action<WriteResult>? effect, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        var effects = effect is null ? null : _client.EffectStore();
        await _life.EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
        WriteResult result;
        using (var activity = Span("coherence.commit_cas", key))
        {
            result = await _calls.WriteAsync(
                "CommitCas",
                key,
                (op, ct) => effects is null
                    ? _client.Directory.CommitCasAsync(Id, key, payload, expectedVersion, op, ct)
                    : effects.CommitCasWithEffectAsync(Id, key, payload, expectedVersion, op, effect!, ct),
                IsUnknownAgent,
                cancellationToken,
                onResult: PublishOnSuccess).ConfigureAwait(false);
        }

        return await ObserveAsync("CommitCas", key, payload, effect, result, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Observe mode, a publish refused for coordination: each refused member is reported, then every member is applied
    /// as an uncoordinated write, in the order given (one store step each: an uncoordinated fleet has no atomic batch).
    /// </summary>
    private async ValueTask<IReadOnlyList<ArtifactView>> ObservePublishAsync(IReadOnlyList<BatchMember> members, CommitAllResult refused, CancellationToken cancellationToken)
    {
        foreach (var refusal in refused.Refusals)
        {
            if (refusal is not null)
            {
                _client.ReportWouldBeRefused(_logger, Id, "CommitAll", refusal);
            }
        }

        var views = new ArtifactView[members.Count];
        for (var i = 0; i < members.Count; i++)
        {
            var result = await OverrideCoreAsync(members[i].Key, members[i].Content, null, cancellationToken).ConfigureAwait(false);
            views[i] = result.Refusal is { } refusal ? throw Refuse(refusal) : Committed(members[i].Key, members[i].Content, result.Version);
        }

        return views;
    }

    /// <summary>True when observe mode applies a write the store refused with <paramref name="refusal"/>.</summary>
    private bool Observes(Refusal refusal) => _client.Observing && WouldBeRefusal.IsCoordination(refusal.Reason);

    /// <summary>
    /// Observe mode: a write the store refused for coordination is reported (log, metric, event) and applied anyway
    /// through the uncoordinated write. Any other result (a success, a refusal that is not coordination, enforce
    /// mode) is returned as it is.
    /// </summary>
    private async ValueTask<WriteResult> ObserveAsync(string operation, ArtifactKey key, ContentPayload? payload, Action<WriteResult>? effect, WriteResult result, CancellationToken cancellationToken)
    {
        if (result.Refusal is not { } refusal || !Observes(refusal))
        {
            return result;
        }

        _client.ReportWouldBeRefused(_logger, Id, operation, refusal);
        return await OverrideCoreAsync(key, payload, effect, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The uncoordinated write (<see cref="IDirectoryStore.OverrideAsync"/>), with the fault rules of every write: a
    /// fresh operation id retried as it is, signals published even after a lost reply, OutcomeUnknown resolvable.
    /// </summary>
    private async ValueTask<WriteResult> OverrideCoreAsync(ArtifactKey key, ContentPayload? payload, Action<WriteResult>? effect, CancellationToken cancellationToken)
    {
        var effects = effect is null ? null : _client.EffectStore();
        using var activity = Span("coherence.override", key);
        return await _calls.WriteAsync(
            "Override",
            key,
            (op, ct) => effects is null
                ? _client.Directory.OverrideAsync(Id, key, payload, op, ct)
                : effects.OverrideWithEffectAsync(Id, key, payload, op, effect!, ct),
            IsUnknownAgent,
            cancellationToken,
            onResult: payload is null ? r => DeletedAsync(key, r) : PublishOnSuccess).ConfigureAwait(false);
    }

    private List<BatchMember> Members(List<PublishItem> items) =>
        items.Select(i => new BatchMember(i.Key ?? throw new CoherenceArgumentException(nameof(items), "A member has no key."), Payload(i.Content), i.ExpectedVersion)).ToList();

    private async ValueTask DeletedAsync(ArtifactKey key, WriteResult result)
    {
        if (!result.Succeeded)
        {
            return;
        }

        _cache.Remove(key);
        Interlocked.Increment(ref _commits);
        _client.Diagnostics.Commits.Add(1);
        await _client.PublishAsync(result.Signals, CancellationToken.None).ConfigureAwait(false);
    }

    private ArtifactView Committed(ArtifactKey key, ContentPayload payload, long version)
    {
        var view = new ArtifactView(key, version, payload.Bytes, payload.Hash, payload.SizeTokens, Id, _client.Time.GetUtcNow());
        _cache.StoreCommitted(view);
        Interlocked.Increment(ref _commits);
        Interlocked.Add(ref _tokensWritten, payload.SizeTokens);
        _client.Diagnostics.Commits.Add(1);
        Log.Committed(_logger, Id.Value, key.ToString(), version, 0);
        return view;
    }

    private void StartRefresh(ArtifactKey key)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            var task = RefreshAsync(key);
            if (!task.IsCompleted)
            {
                _refreshes.Add(task);
                _ = task.ContinueWith(t => { lock (_gate) { _refreshes.Remove(t); } }, TaskScheduler.Default);
            }
        }
    }

    private async Task RefreshAsync(ArtifactKey key)
    {
        try
        {
            if (_client.YieldBeforeRefresh)
            {
                await Task.Yield();
            }

            await FetchAsync(key, useKnownVersion: true, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.RefreshFailed(_logger, ex, Id.Value, key.ToString());
        }
    }

    private CoherenceException Refuse(Refusal refusal)
    {
        Refused(refusal);
        if (refusal.Reason is RefusalReason.StaleView or RefusalReason.StaleEpoch or RefusalReason.VersionConflict)
        {
            _cache.Invalidate(refusal.Key);
        }

        return refusal.ToException();
    }

    private void Refused(Refusal refusal)
    {
        Interlocked.Increment(ref _refusals);
        _client.Diagnostics.Refused(refusal.Reason);
        Log.Refused(_logger, Id.Value, refusal.Key.ToString(), refusal.Reason, refusal.CurrentVersion);
    }

    private static TimeSpan Backoff(UpdateOptions settings, int attempt)
    {
        var ceiling = Math.Min(settings.MaxDelay.TotalMilliseconds, settings.BaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1));
        return TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling);
    }

    private Activity? Span(string name, ArtifactKey key)
    {
        var activity = CoherenceDiagnostics.ActivitySource.StartActivity(name, ActivityKind.Client);
        if (activity is not null)
        {
            activity.SetTag("coherence.agent", Id.Value);
            activity.SetTag("coherence.key", key.ToString());
        }

        return activity;
    }
}

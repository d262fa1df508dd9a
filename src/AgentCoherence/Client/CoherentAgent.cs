using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

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
    private readonly AgentOptions _options;
    private readonly Lock _gate = new();
    private readonly Dictionary<ArtifactKey, CacheEntry> _cache = new();
    private readonly Dictionary<ArtifactKey, (long Version, int Kinds)> _seen = new();
    private readonly HashSet<Task> _refreshes = [];
    private readonly System.Collections.Concurrent.ConcurrentDictionary<ArtifactKey, byte> _grantsTaken = new();
    private Channel<InvalidationSignal>? _signals;
    private Task? _started;
    private volatile bool _ready;
    private ITimer? _heartbeat;
    private bool _disposed;
    private long _reads, _hits, _misses, _revalidations, _commits, _refusals, _signalsReceived, _tokensFetched, _tokensWritten, _signalTokens;

    internal CoherentAgent(CoherenceClient client, AgentId id, AgentOptions options, ILogger logger)
    {
        _client = client;
        Id = id;
        _options = options;
        _logger = logger;
        Strategy = options.Strategy ?? client.Options.Cache.Strategy;
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
        if (_ready && TryHit(key) is { } view)
        {
            return new ValueTask<ArtifactView>(view);
        }

        return ReadSlowAsync(key, cancellationToken);
    }

    /// <summary>Like <see cref="ReadAsync(ArtifactKey, CancellationToken)"/>, but null when the artifact does not exist or was deleted.</summary>
    public async ValueTask<ArtifactView?> TryReadAsync(ArtifactKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (_ready && TryHit(key) is { } view)
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
    public async ValueTask<CoherenceGrant> AcquireAsync(ArtifactKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        await EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
        WriteResult result;
        using (var activity = Span("coherence.acquire", key))
        {
            result = await _client.Store.AcquireAsync(Id, key, cancellationToken).ConfigureAwait(false);
        }

        if (result.Refusal is { } refusal)
        {
            throw Refuse(refusal);
        }

        _grantsTaken[key] = 0;
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
    public async ValueTask<ArtifactView> WriteCasAsync(ArtifactKey key, string content, long expectedVersion, CancellationToken cancellationToken = default)
    {
        var payload = Payload(content);
        var result = await CommitCasCoreAsync(key, payload, expectedVersion, cancellationToken).ConfigureAwait(false);
        return result.Refusal is { } refusal ? throw Refuse(refusal) : Committed(key, payload, result.Version);
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
            var result = await CommitCasCoreAsync(key, payload, expected, cancellationToken).ConfigureAwait(false);
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

        await EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
        WriteResult result;
        using (var activity = Span("coherence.delete", key))
        {
            result = await _client.Store.DeleteAsync(Id, key, expectedVersion, cancellationToken).ConfigureAwait(false);
        }

        return await DeletedAsync(key, result, cancellationToken).ConfigureAwait(false);
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

        if (list.Select(i => i.Key).Distinct().Count() != list.Count)
        {
            throw new CoherenceArgumentException(nameof(items), "A publish must not name the same artifact twice.");
        }

        var members = list.Select(i => new BatchMember(i.Key ?? throw new CoherenceArgumentException(nameof(items), "A member has no key."), Payload(i.Content), i.ExpectedVersion)).ToList();
        await EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
        CommitAllResult result;
        using (var activity = Span("coherence.commit_all", members[0].Key))
        {
            result = await _client.Store.CommitAllAsync(Id, members, cancellationToken).ConfigureAwait(false);
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

        await _client.PublishAsync(result.Signals, cancellationToken).ConfigureAwait(false);
        return views;
    }

    /// <summary>Releases the grant on the artifact (E/M to S). False when this agent held none.</summary>
    public async ValueTask<bool> ReleaseAsync(ArtifactKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        await EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
        using var activity = Span("coherence.release", key);
        var released = await _client.Store.ReleaseAsync(Id, key, cancellationToken).ConfigureAwait(false);
        _grantsTaken.TryRemove(key, out _);
        return released;
    }

    /// <summary>Sends a heartbeat now (they are also sent automatically while the agent lives).</summary>
    /// <exception cref="UnknownAgentException">The agent left or was never registered.</exception>
    public async ValueTask HeartbeatAsync(CancellationToken cancellationToken = default)
    {
        await EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
        if (await _client.Store.HeartbeatAsync(Id, cancellationToken).ConfigureAwait(false) is { } refusal)
        {
            throw Refuse(refusal);
        }
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

        await EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var signal in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return signal;
        }
    }

    /// <summary>
    /// Leaves cleanly: stops heartbeats, releases every grant and drops this agent's entries in the store
    /// (with <see cref="CoherenceOptions.KeepViewsOnDispose"/>, releases the grants it took and keeps its views).
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

        _heartbeat?.Dispose();
        await Task.WhenAll(pending).ConfigureAwait(false);
        _client.Remove(this);
        if (_started is { IsCompletedSuccessfully: true })
        {
            if (_client.Options.KeepViewsOnDispose)
            {
                foreach (var key in _grantsTaken.Keys.OrderBy(k => k.StoreKey, StringComparer.Ordinal))
                {
                    await _client.Store.ReleaseAsync(Id, key).ConfigureAwait(false);
                }

                return;
            }

            await _client.Store.ForgetAsync(Id).ConfigureAwait(false);
            Log.AgentLeft(_logger, Id.Value);
        }
    }

    internal async ValueTask<ArtifactView> CommitUnderGrantAsync(ArtifactKey key, ContentPayload payload, long versionBefore, CancellationToken cancellationToken)
    {
        WriteResult result;
        using (var activity = Span("coherence.commit", key))
        {
            try
            {
                result = await _client.Store.CommitAsync(Id, key, payload, cancellationToken).ConfigureAwait(false);
            }
            catch (OutcomeUnknownException unknown)
            {
                result = await ResolveUnknownAsync(unknown, key, payload, versionBefore, () => _client.Store.CommitAsync(Id, key, payload, cancellationToken), cancellationToken).ConfigureAwait(false);
            }
        }

        if (result.Refusal is { } refusal)
        {
            throw Refuse(refusal);
        }

        var view = Committed(key, payload, result.Version);
        await _client.PublishAsync(result.Signals, cancellationToken).ConfigureAwait(false);
        return view;
    }

    internal async ValueTask<long> DeleteUnderGrantAsync(ArtifactKey key, CancellationToken cancellationToken)
    {
        WriteResult result;
        using (var activity = Span("coherence.delete", key))
        {
            result = await _client.Store.DeleteAsync(Id, key, null, cancellationToken).ConfigureAwait(false);
        }

        return await DeletedAsync(key, result, cancellationToken).ConfigureAwait(false);
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
    internal void InvalidateAll()
    {
        lock (_gate)
        {
            foreach (var entry in _cache.Values)
            {
                entry.Valid = false;
            }
        }
    }

    internal void OnSignal(InvalidationSignal signal)
    {
        bool refresh;
        Channel<InvalidationSignal>? channel;
        lock (_gate)
        {
            if (_disposed || !FirstDelivery(signal))
            {
                return;
            }

            refresh = false;
            if (_cache.TryGetValue(signal.Key, out var entry) && (signal.NewVersion > entry.View.Version || signal.Kind == SignalKind.Reclaim))
            {
                entry.Valid = false;
                refresh = signal.Kind == SignalKind.Commit && Strategy is CacheStrategy.Eager or CacheStrategy.Broadcast;
            }

            if (signal.Kind == SignalKind.Delete)
            {
                _cache.Remove(signal.Key);
            }

            channel = _signals;
        }

        Interlocked.Increment(ref _signalsReceived);
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

        if (refresh)
        {
            StartRefresh(signal.Key);
        }
    }

    private async ValueTask<ArtifactView> WriteAsync(ArtifactKey key, ContentPayload payload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var grant = await AcquireAsync(key, cancellationToken).ConfigureAwait(false);
        return await CommitUnderGrantAsync(key, payload, grant.Version, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<ArtifactView> ReadSlowAsync(ArtifactKey key, CancellationToken cancellationToken)
    {
        var (view, refusal) = await FetchAsync(key, useKnownVersion: true, cancellationToken).ConfigureAwait(false);
        return view ?? throw Refuse(refusal!);
    }

    private async ValueTask<(ArtifactView? View, long Expected)> ReadForUpdateAsync(ArtifactKey key, bool fresh, CancellationToken cancellationToken)
    {
        if (!fresh && _ready && TryHit(key) is { } hit)
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
        ArtifactView view;
        lock (_gate)
        {
            if (!_cache.TryGetValue(key, out var entry) || !entry.Valid)
            {
                return null;
            }

            switch (Strategy)
            {
                case CacheStrategy.Lease when _client.Time.GetElapsedTime(entry.ValidatedAt) >= _client.Options.Cache.LeaseTtl:
                case CacheStrategy.AccessCount when entry.HitsSinceValidation >= _client.Options.Cache.AccessCount:
                    return null;
            }

            entry.HitsSinceValidation++;
            view = entry.View;
        }

        Interlocked.Increment(ref _reads);
        Interlocked.Increment(ref _hits);
        var diagnostics = _client.Diagnostics;
        diagnostics.Reads.Add(1);
        diagnostics.Hits.Add(1);
        diagnostics.TokensSaved.Add(Math.Max(0, view.SizeTokens - 1));
        return view;
    }

    private async ValueTask<(ArtifactView? View, Refusal? Refusal)> FetchAsync(ArtifactKey key, bool useKnownVersion, CancellationToken cancellationToken)
    {
        await EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
        long known = -1;
        if (useKnownVersion)
        {
            lock (_gate)
            {
                known = _cache.TryGetValue(key, out var cached) ? cached.View.Version : -1;
            }
        }

        ReadResult result;
        using (var activity = Span("coherence.read", key))
        {
            result = await _client.Store.ReadAsync(Id, key, known, cancellationToken).ConfigureAwait(false);
        }

        Interlocked.Increment(ref _reads);
        _client.Diagnostics.Reads.Add(1);
        if (result.Refusal is { } refusal)
        {
            lock (_gate)
            {
                _cache.Remove(key);
            }

            if (refusal.Reason != RefusalReason.NotFound)
            {
                Refused(refusal);
            }

            Interlocked.Increment(ref _misses);
            _client.Diagnostics.Misses.Add(1);
            return (null, refusal);
        }

        ArtifactView? revalidated = null;
        lock (_gate)
        {
            if (!result.ContentIncluded && _cache.TryGetValue(key, out var entry) && entry.View.Version == result.Version)
            {
                entry.Valid = true;
                entry.ValidatedAt = _client.Time.GetTimestamp();
                entry.HitsSinceValidation = 0;
                revalidated = entry.View;
            }
        }

        if (revalidated is not null)
        {
            // The version did not move: no content crossed, so the read counts as a hit.
            Interlocked.Increment(ref _revalidations);
            Interlocked.Increment(ref _hits);
            _client.Diagnostics.Hits.Add(1);
            return (revalidated, null);
        }

        var view = new ArtifactView(key, result.Version, result.Content ?? [], result.ContentHash, result.SizeTokens, result.LastWriter, result.CommittedAt);
        lock (_gate)
        {
            Store(key, view);
        }

        Interlocked.Increment(ref _misses);
        Interlocked.Add(ref _tokensFetched, view.SizeTokens);
        _client.Diagnostics.Misses.Add(1);
        return (view, null);
    }

    private async ValueTask<WriteResult> CommitCasCoreAsync(ArtifactKey key, ContentPayload payload, long expectedVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        await EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
        WriteResult result;
        using (var activity = Span("coherence.commit_cas", key))
        {
            try
            {
                result = await _client.Store.CommitCasAsync(Id, key, payload, expectedVersion, cancellationToken).ConfigureAwait(false);
            }
            catch (OutcomeUnknownException unknown)
            {
                result = await ResolveUnknownAsync(unknown, key, payload, expectedVersion, () => _client.Store.CommitCasAsync(Id, key, payload, expectedVersion, cancellationToken), cancellationToken).ConfigureAwait(false);
            }
        }

        if (result.Succeeded)
        {
            await _client.PublishAsync(result.Signals, cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    // A write whose connection failed mid-flight landed once or not at all. Re-read: if our commit is
    // the current version (writer and content hash) it landed; if the version has not moved past the
    // one the write started from it did not land, and retrying is safe. If peers have committed on
    // top since, nobody can tell any more: the caller gets the OutcomeUnknownException rather than a
    // retry that could apply the change twice.
    private async ValueTask<WriteResult> ResolveUnknownAsync(OutcomeUnknownException unknown, ArtifactKey key, ContentPayload payload, long versionBefore, Func<ValueTask<WriteResult>> retry, CancellationToken cancellationToken)
    {
        ReadResult current;
        try
        {
            current = await _client.Store.ReadAsync(Id, key, -1, cancellationToken).ConfigureAwait(false);
        }
        catch (OutcomeUnknownException)
        {
            throw unknown;
        }

        if (current.Refusal is null && current.LastWriter == Id && current.ContentHash == payload.Hash && current.Version > versionBefore)
        {
            return new WriteResult(null, current.Version, []);
        }

        if (current.Version <= versionBefore)
        {
            return await retry().ConfigureAwait(false);
        }

        throw unknown;
    }

    private async ValueTask<long> DeletedAsync(ArtifactKey key, WriteResult result, CancellationToken cancellationToken)
    {
        if (result.Refusal is { } refusal)
        {
            throw Refuse(refusal);
        }

        lock (_gate)
        {
            _cache.Remove(key);
        }

        Interlocked.Increment(ref _commits);
        _client.Diagnostics.Commits.Add(1);
        await _client.PublishAsync(result.Signals, cancellationToken).ConfigureAwait(false);
        return result.Version;
    }

    private ArtifactView Committed(ArtifactKey key, ContentPayload payload, long version)
    {
        var view = new ArtifactView(key, version, payload.Bytes, payload.Hash, payload.SizeTokens, Id, _client.Time.GetUtcNow());
        lock (_gate)
        {
            Store(key, view);
        }

        Interlocked.Increment(ref _commits);
        Interlocked.Add(ref _tokensWritten, payload.SizeTokens);
        _client.Diagnostics.Commits.Add(1);
        Log.Committed(_logger, Id.Value, key.ToString(), version, 0);
        return view;
    }

    // Caller holds _gate. Never lets an older version replace a newer one (out-of-order fetches).
    private void Store(ArtifactKey key, ArtifactView view)
    {
        if (_cache.TryGetValue(key, out var existing) && existing.View.Version > view.Version)
        {
            return;
        }

        _cache[key] = new CacheEntry(view, _client.Time.GetTimestamp());
    }

    // Caller holds _gate. Once per recipient: drops duplicates and anything older than what was seen.
    private bool FirstDelivery(InvalidationSignal signal)
    {
        var bit = 1 << (int)signal.Kind;
        if (_seen.TryGetValue(signal.Key, out var seen))
        {
            if (signal.NewVersion < seen.Version || (signal.NewVersion == seen.Version && (seen.Kinds & bit) != 0))
            {
                return false;
            }

            _seen[signal.Key] = signal.NewVersion == seen.Version ? (seen.Version, seen.Kinds | bit) : (signal.NewVersion, bit);
            return true;
        }

        _seen[signal.Key] = (signal.NewVersion, bit);
        return true;
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
            await Task.Yield();
            await FetchAsync(key, useKnownVersion: true, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.RefreshFailed(_logger, ex, Id.Value, key.ToString());
        }
    }

    private Task EnsureStartedAsync(CancellationToken cancellationToken)
    {
        if (_ready)
        {
            return Task.CompletedTask;
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_started is null || _started.IsFaulted || _started.IsCanceled)
            {
                // A failed start (store unreachable) is retried by the next operation.
                _started = StartAsync();
            }

            return _started.WaitAsync(cancellationToken);
        }
    }

    private async Task StartAsync()
    {
        await _client.EnsureSubscribedAsync().ConfigureAwait(false);
        await _client.Store.RegisterAgentAsync(Id).ConfigureAwait(false);
        if (_options.SendHeartbeats)
        {
            var interval = _client.Options.HeartbeatInterval;
            _heartbeat = _client.Time.CreateTimer(_ => _ = BeatAsync(), null, interval, interval);
        }

        Log.AgentRegistered(_logger, Id.Value);
        _ready = true;
    }

    private async Task BeatAsync()
    {
        try
        {
            if (await _client.Store.HeartbeatAsync(Id).ConfigureAwait(false) is not null)
            {
                Log.HeartbeatUnknownAgent(_logger, Id.Value);
                _heartbeat?.Dispose();
            }
        }
        catch (Exception ex)
        {
            Log.HeartbeatFailed(_logger, ex, Id.Value);
        }
    }

    private CoherenceException Refuse(Refusal refusal)
    {
        Refused(refusal);
        if (refusal.Reason is RefusalReason.StaleView or RefusalReason.StaleEpoch or RefusalReason.VersionConflict)
        {
            lock (_gate)
            {
                if (_cache.TryGetValue(refusal.Key, out var entry))
                {
                    entry.Valid = false;
                }
            }
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

    private sealed class CacheEntry(ArtifactView view, long validatedAt)
    {
        public ArtifactView View { get; } = view;

        public bool Valid { get; set; } = true;

        public long ValidatedAt { get; set; } = validatedAt;

        public int HitsSinceValidation { get; set; }
    }
}

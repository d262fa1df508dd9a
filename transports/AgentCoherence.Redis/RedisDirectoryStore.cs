using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using StackExchange.Redis;
using AgentCoherence.Protocol;

using AgentCoherence.Redis.Internal;

namespace AgentCoherence.Redis;

/// <summary>
/// The directory store in Redis. Every protocol operation is one Lua script: the version CAS, the
/// holder check, the epoch fence, tombstones and the signal list are all decided inside it, so each
/// operation is one atomic round trip and fencing holds across every coordinator that shares the
/// Redis. The scripts implement <see cref="CoherenceRules"/> exactly (the differential test compares
/// them step by step). Time is the Redis server's clock by default (<see cref="RedisClock.Server"/>:
/// <c>TIME</c> inside the scripts), one clock for every host; <see cref="RedisClock.Client"/> passes the
/// store's <see cref="TimeProvider"/> instead, for tests that move time.
/// </summary>
/// <remarks>
/// Exactly-once writes: each write script looks its <see cref="OperationId"/> up in the agent's
/// operation log before anything else and records a success in the same script, as
/// <see cref="CoherenceRules"/> does. Failures are the library's own types, never a StackExchange.Redis
/// exception: a write that may have been sent (connection lost with the command in flight, a timeout
/// after sending, an error from inside a script) throws <see cref="OutcomeUnknownException"/> with its
/// operation id (retry it with that id to learn the outcome); every other failure, and a write known not
/// to have run (not sent, or refused by the server before running: LOADING, BUSY, READONLY, OOM, ...),
/// throws <see cref="StoreUnavailableException"/> naming the operation and the Redis endpoints.
/// Cancellation is honoured before a command is sent; a command already sent is never abandoned.
/// Sweep and Forget run as a series of script calls, each visiting at most
/// <see cref="RedisStoreOptions.MaxArtifactsPerScript"/> artifacts, so neither blocks Redis for long
/// however many artifacts it has to visit; each call is atomic for its artifacts.
/// </remarks>
public sealed class RedisDirectoryStore : IDirectoryStore, IAsyncDisposable
{
    private static readonly ArtifactKey UnknownAgentKey = new("#", "#");
    private readonly IConnectionMultiplexer _connection;
    private readonly bool _ownsConnection;
    private readonly IDatabase _database;
    private readonly RedisScripts _scripts;
    private readonly RedisKeys _keys;
    private readonly TimeProvider _time;
    private readonly RedisClock _clock;
    private readonly int _batch;

    /// <summary>Creates a store over a shared connection (the store does not dispose it).</summary>
    /// <param name="connection">The process's multiplexer; one per process is the StackExchange.Redis rule.</param>
    /// <param name="options">Key prefix, database, script mode, clock and sweep batch size.</param>
    /// <param name="timeProvider">
    /// The clock for heartbeat, grant, commit and reclaim times when <see cref="RedisStoreOptions.Clock"/> is
    /// <see cref="RedisClock.Client"/> (<see cref="TimeProvider.System"/> when null); not used with the
    /// server's clock, the default.
    /// </param>
    /// <exception cref="CoherenceArgumentException"><see cref="RedisStoreOptions.Clock"/> or <see cref="RedisStoreOptions.MaxArtifactsPerScript"/> is out of range.</exception>
    public RedisDirectoryStore(IConnectionMultiplexer connection, RedisStoreOptions options, TimeProvider? timeProvider = null)
        : this(connection, options, timeProvider, ownsConnection: false)
    {
    }

    private RedisDirectoryStore(IConnectionMultiplexer connection, RedisStoreOptions options, TimeProvider? timeProvider, bool ownsConnection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.KeyPrefix);
        if (!Enum.IsDefined(options.Clock))
        {
            throw new CoherenceArgumentException(nameof(options), $"AgentCoherence:Redis:Clock must be Server or Client; {(int)options.Clock} is neither.");
        }

        if (options.MaxArtifactsPerScript is < 1 or > RedisStoreOptions.MaxArtifactsPerScriptLimit)
        {
            throw new CoherenceArgumentException(nameof(options), $"AgentCoherence:Redis:MaxArtifactsPerScript must be between 1 and {RedisStoreOptions.MaxArtifactsPerScriptLimit}; it is {options.MaxArtifactsPerScript}.");
        }

        _connection = connection;
        _ownsConnection = ownsConnection;
        _database = connection.GetDatabase(options.Database);
        _keys = new RedisKeys(options.KeyPrefix);
        _scripts = new RedisScripts(connection, options.KeyPrefix, options.ScriptMode);
        _time = timeProvider ?? TimeProvider.System;
        _clock = options.Clock;
        _batch = options.MaxArtifactsPerScript;
    }

    /// <summary>Connects with <see cref="RedisStoreOptions.ConnectionString"/> and returns a store that owns (and disposes) the connection.</summary>
    /// <exception cref="CoherenceArgumentException">The connection string does not parse.</exception>
    /// <exception cref="StoreUnavailableException">The server could not be reached (one attempt, bounded by the string's <c>connectTimeout</c>); the message names the setting, the endpoints and the cause.</exception>
    public static async Task<RedisDirectoryStore> ConnectAsync(RedisStoreOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (RedisConnection.ParseError(options.ConnectionString) is { } invalid)
        {
            throw new CoherenceArgumentException(nameof(options), $"{RedisConnection.StoreSetting} is not a StackExchange.Redis configuration string: {invalid}.");
        }

        var configuration = ConfigurationOptions.Parse(options.ConnectionString);
        IConnectionMultiplexer connection;
        try
        {
            connection = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
        }
        catch (RedisException ex)
        {
            throw new StoreUnavailableException(
                "Connect",
                null,
                $"The Redis directory store could not connect to {RedisConnection.Format(configuration.EndPoints)} ({RedisConnection.StoreSetting}): {(ex as RedisConnectionException)?.FailureType.ToString() ?? ex.GetType().Name}. {ex.Message}",
                ex);
        }

        return new RedisDirectoryStore(connection, options, timeProvider, ownsConnection: true);
    }

    /// <inheritdoc />
    /// <remarks>
    /// PINGs the server until it answers, while the connection keeps trying in the background; a refused login
    /// fails at once. When <paramref name="cancellationToken"/> (the client's start timeout) is cancelled first,
    /// throws <see cref="StoreUnavailableException"/> naming <c>AgentCoherence:Redis:ConnectionString</c>, the
    /// endpoints and the cause.
    /// </remarks>
    public ValueTask ConnectAsync(CancellationToken cancellationToken = default) =>
        new(RedisConnection.WaitUntilAnswersAsync(
            _connection,
            () => _database.PingAsync(),
            (cause, inner) => new StoreUnavailableException("Connect", null, $"The Redis directory store could not connect to {Endpoints()} ({RedisConnection.StoreSetting}): {cause}.", inner),
            cancellationToken));

    /// <summary>How many times the scripts had to be loaded again after a server answered NOSCRIPT.</summary>
    internal int ScriptReloads => _scripts.Reloads;

    /// <summary>
    /// How this store runs its Lua: <see cref="RedisScriptMode.Functions"/> or <see cref="RedisScriptMode.Eval"/>
    /// once its first operation has loaded the code (see <see cref="RedisStoreOptions.ScriptMode"/>).
    /// </summary>
    public RedisScriptMode ScriptMode => _scripts.ActiveMode;

    /// <inheritdoc />
    public async ValueTask RegisterAgentAsync(AgentId agent, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await RunAsync("RegisterAgent", null, RedisScripts.Register, [_keys.Agents], [agent.Value, Now()]).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<Refusal?> HeartbeatAsync(AgentId agent, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var result = await RunAsync("Heartbeat", null, RedisScripts.Heartbeat, [_keys.Agents], [agent.Value, Now()]).ConfigureAwait(false);
        return (long)result == 1 ? null : new Refusal(RefusalReason.UnknownAgent, UnknownAgentKey, 0) { Agent = agent };
    }

    /// <inheritdoc />
    public async ValueTask<ReadResult> ReadAsync(AgentId agent, ArtifactKey key, long knownVersion = -1, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        var reply = (RedisResult[])(await RunAsync(
            "Read",
            key,
            RedisScripts.Read,
            [_keys.Agents, _keys.Record(key), _keys.Holders(key), _keys.Touched(agent)],
            [agent.Value, knownVersion.ToString(CultureInfo.InvariantCulture), key.StoreKey]).ConfigureAwait(false))!;
        var refusal = Replies.Refusal(reply[0], key, agent);
        if (reply.Length == 1)
        {
            return new ReadResult { Refusal = refusal };
        }

        var included = (string?)reply[2] == "1";
        return new ReadResult
        {
            Refusal = refusal,
            Version = Replies.Long(reply[1]),
            ContentIncluded = included,
            Content = included ? (byte[]?)reply[3] ?? [] : null,
            ContentHash = Replies.Text(reply[4]),
            SizeTokens = (int)Replies.Long(reply[5]),
            LastWriter = Replies.Agent(reply[6]),
            CommittedAt = Replies.Time(reply[7]),
            OwnerEpoch = Replies.Long(reply[8]),
        };
    }

    /// <inheritdoc />
    public async ValueTask<WriteResult> AcquireAsync(AgentId agent, ArtifactKey key, OperationId operation = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        var reply = await RunWriteAsync(
            "Acquire",
            key,
            operation,
            RedisScripts.Acquire,
            [_keys.Agents, _keys.Record(key), _keys.Holders(key), _keys.Touched(agent), _keys.Granted, _keys.Ops(agent)],
            [agent.Value, Now(), key.StoreKey, Op(operation)]).ConfigureAwait(false);
        return Replies.Write(reply, key, agent);
    }

    /// <inheritdoc />
    public ValueTask<WriteResult> CommitAsync(AgentId agent, ArtifactKey key, ContentPayload content, OperationId operation = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(content);
        return CommitUnderGrantAsync("Commit", agent, key, content, operation, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<WriteResult> CommitCasAsync(AgentId agent, ArtifactKey key, ContentPayload content, long expectedVersion, OperationId operation = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(content);
        return CommitCasCoreAsync("CommitCas", agent, key, content, expectedVersion, operation, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>
    /// One script over every member's keys. On Redis Cluster all keys must be in one slot, which the
    /// hash tag the Cluster rule puts in <see cref="RedisStoreOptions.KeyPrefix"/> guarantees. The script
    /// checks the batch's shape first (<see cref="CoherenceRules.CheckBatch"/>: a member, no artifact
    /// twice) and reports it as the same <see cref="CoherenceArgumentException"/>; only a null member,
    /// which cannot be sent, is refused here.
    /// </remarks>
    public async ValueTask<CommitAllResult> CommitAllAsync(AgentId agent, IReadOnlyList<BatchMember> members, OperationId operation = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(members);
        cancellationToken.ThrowIfCancellationRequested();
        var keys = new RedisKey[3 + (2 * members.Count)];
        var args = new RedisValue[3 + (5 * members.Count)];
        keys[0] = _keys.Agents;
        keys[1] = _keys.Touched(agent);
        keys[2] = _keys.Ops(agent);
        args[0] = agent.Value;
        args[1] = Now();
        args[2] = Op(operation);
        for (var i = 0; i < members.Count; i++)
        {
            var member = members[i];
            if (member is null)
            {
                CoherenceRules.CheckBatch(members);
                throw new CoherenceArgumentException(nameof(members), $"Member {i} is null.");
            }

            keys[3 + (2 * i)] = _keys.Record(member.Key);
            keys[4 + (2 * i)] = _keys.Holders(member.Key);
            var at = 3 + (5 * i);
            args[at] = member.Key.StoreKey;
            args[at + 1] = member.ExpectedVersion.ToString(CultureInfo.InvariantCulture);
            args[at + 2] = member.Content.Hash;
            args[at + 3] = member.Content.SizeTokens.ToString(CultureInfo.InvariantCulture);
            args[at + 4] = member.Content.Bytes;
        }

        var key = members.Count > 0 ? members[0].Key : UnknownAgentKey;
        RedisResult reply;
        try
        {
            reply = await _scripts.RunAsync(_database, RedisScripts.CommitAll, keys, args).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith(BatchError, StringComparison.Ordinal))
        {
            throw InvalidBatch(ex.Message, members);
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw WriteFault("CommitAll", key, operation, ex);
        }

        return Replies.CommitAll(reply, members, agent);
    }

    /// <inheritdoc />
    public ValueTask<WriteResult> DeleteAsync(AgentId agent, ArtifactKey key, long? expectedVersion, OperationId operation = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return expectedVersion is { } expected
            ? CommitCasCoreAsync("Delete", agent, key, null, expected, operation, cancellationToken)
            : CommitUnderGrantAsync("Delete", agent, key, null, operation, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>One script (<c>override.lua</c>), the same exactly-once operation log as every write script.</remarks>
    public async ValueTask<WriteResult> OverrideAsync(AgentId agent, ArtifactKey key, ContentPayload? content, OperationId operation = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        var reply = await RunWriteAsync(
            "Override",
            key,
            operation,
            RedisScripts.Override,
            [_keys.Agents, _keys.Record(key), _keys.Holders(key), _keys.Touched(agent), _keys.Ops(agent)],
            content is null
                ? [agent.Value, Now(), "d", key.StoreKey, Op(operation)]
                : [agent.Value, Now(), "c", key.StoreKey, Op(operation), content.Hash, content.SizeTokens.ToString(CultureInfo.InvariantCulture), content.Bytes]).ConfigureAwait(false);
        return Replies.Write(reply, key, agent);
    }

    /// <inheritdoc />
    public async ValueTask<bool> ReleaseAsync(AgentId agent, ArtifactKey key, OperationId operation = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        var result = await RunWriteAsync(
            "Release",
            key,
            operation,
            RedisScripts.Release,
            [_keys.Holders(key), _keys.Granted, _keys.Ops(agent)],
            [agent.Value, key.StoreKey, Op(operation)]).ConfigureAwait(false);

        // 1 released, 0 held no grant, a recorded text: the operation had been applied.
        return result.Resp2Type != ResultType.Integer || (long)result == 1;
    }

    /// <inheritdoc />
    /// <remarks>
    /// A series of script calls: the first finds the agent's touched set (the artifacts where it has an
    /// entry) and returns up to <see cref="RedisStoreOptions.MaxArtifactsPerScript"/> of them; each next
    /// call drops the agent's entries on those (releasing its grants there) and returns the next ones;
    /// the call that finds the set empty drops the operation log and unregisters the agent. The agent
    /// stays registered until its last entry is gone (see <c>forget.lua</c> for why batches are enough).
    /// Safe to run again after a failure: it carries on with what is left.
    /// </remarks>
    public async ValueTask<bool> ForgetAsync(AgentId agent, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var steps = new Steps("Forget");
        var batchSize = _batch.ToString(CultureInfo.InvariantCulture);
        RedisResult[] next = [];
        while (true)
        {
            var keys = new RedisKey[4 + next.Length];
            var args = new RedisValue[2 + next.Length];
            keys[0] = _keys.Agents;
            keys[1] = _keys.Touched(agent);
            keys[2] = _keys.Granted;
            keys[3] = _keys.Ops(agent);
            args[0] = agent.Value;
            args[1] = batchSize;
            for (var i = 0; i < next.Length; i++)
            {
                var storeKey = (string)next[i]!;
                keys[4 + i] = _keys.Holders(storeKey);
                args[2 + i] = storeKey;
            }

            var reply = (RedisResult[])(await RunStepAsync(steps, RedisScripts.Forget, keys, args, cancellationToken).ConfigureAwait(false))!;
            if ((long)reply[0] == 1)
            {
                return (long)reply[1] == 1;
            }

            next = (RedisResult[])reply[1]!;
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// <para>
    /// Two passes, each a series of script calls that visit at most
    /// <see cref="RedisStoreOptions.MaxArtifactsPerScript"/> artifacts: the reclaims over the artifacts
    /// in the granted set (listed with <c>SSCAN</c>, sorted ordinally, so reclaims and signals come in
    /// the rules' order), then, when <see cref="SweepPolicy.PruneSilentAfter"/> is set, the pruning of
    /// each agent silent that long over the artifacts in its touched set. So every artifact is
    /// reclaimed before it is pruned, and an entry that fences a zombie is never pruned, as in
    /// <see cref="CoherenceRules.Sweep"/>.
    /// </para>
    /// <para>
    /// The sweep as a whole is no longer one atomic step, and need not be: the protocol asks for it to
    /// be atomic per artifact, which each call is for all the artifacts it visits (see
    /// <c>sweep.lua</c>). Safe to run from every host at once: a grant is reclaimed once. With the
    /// server's clock each call reads <c>TIME</c> when it runs; with the client's clock the whole sweep
    /// uses one <c>now</c>, as the rules do. When a call fails after others have completed, or the sweep
    /// is cancelled between two calls, what those calls did stays done (their signals are not returned)
    /// and the next sweep carries on; reclaim signals are hints, the fence is what protects the data.
    /// </para>
    /// </remarks>
    public async ValueTask<SweepResult> SweepAsync(SweepPolicy policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        cancellationToken.ThrowIfCancellationRequested();
        var steps = new Steps("Sweep");
        var now = Now();
        var (heartbeatSeconds, heartbeatTicks) = Limit(policy.HeartbeatTimeout);
        var (maxHoldSeconds, maxHoldTicks) = Limit(policy.MaxHold);
        var reclaimed = new List<Reclamation>();
        var signals = new List<InvalidationSignal>();

        var granted = await ReadSetAsync(steps, _keys.Granted, cancellationToken).ConfigureAwait(false);
        granted.Sort(StringComparer.Ordinal);
        foreach (var batch in granted.Chunk(_batch))
        {
            var keys = new RedisKey[2 + (2 * batch.Length)];
            var args = new RedisValue[5 + batch.Length];
            keys[0] = _keys.Agents;
            keys[1] = _keys.Granted;
            args[0] = now;
            args[1] = heartbeatSeconds;
            args[2] = heartbeatTicks;
            args[3] = maxHoldSeconds;
            args[4] = maxHoldTicks;
            for (var i = 0; i < batch.Length; i++)
            {
                keys[2 + (2 * i)] = _keys.Record(batch[i]);
                keys[3 + (2 * i)] = _keys.Holders(batch[i]);
                args[5 + i] = batch[i];
            }

            var reply = (RedisResult[])(await RunStepAsync(steps, RedisScripts.Sweep, keys, args, cancellationToken).ConfigureAwait(false))!;
            var at = Replies.FromTicks((string)reply[0]!);
            var flat = (RedisResult[])reply[1]!;
            for (var i = 0; i + 4 < flat.Length; i += 5)
            {
                var key = ArtifactKey.FromStoreKey((string)flat[i]!);
                var holder = Replies.Agent(flat[i + 1])!.Value;
                var trigger = (string?)flat[i + 2] == "heartbeat" ? ReclaimTrigger.Heartbeat : ReclaimTrigger.MaxHold;
                var epoch = Replies.Long(flat[i + 3]);
                reclaimed.Add(new Reclamation(key, holder, new ReclaimInfo(trigger, at, epoch)));
                signals.Add(new InvalidationSignal(key, Replies.Long(flat[i + 4]), AgentId.Sweeper, SignalKind.Reclaim, holder, epoch));
            }
        }

        var pruned = 0;
        if (policy.PruneSilentAfter is { } pruneAfter)
        {
            var (pruneSeconds, pruneTicks) = Limit(pruneAfter);
            var silent = await SilentAgentsAsync(steps, now, pruneSeconds, pruneTicks, cancellationToken).ConfigureAwait(false);
            var pairs = await TouchedByAsync(steps, silent, cancellationToken).ConfigureAwait(false);
            foreach (var batch in pairs.Chunk(_batch))
            {
                var keys = new RedisKey[1 + (3 * batch.Length)];
                var args = new RedisValue[3 + (2 * batch.Length)];
                keys[0] = _keys.Agents;
                args[0] = now;
                args[1] = pruneSeconds;
                args[2] = pruneTicks;
                for (var i = 0; i < batch.Length; i++)
                {
                    var (agent, storeKey) = batch[i];
                    keys[1 + (3 * i)] = _keys.Touched(agent);
                    keys[2 + (3 * i)] = _keys.Record(storeKey);
                    keys[3 + (3 * i)] = _keys.Holders(storeKey);
                    args[3 + (2 * i)] = agent;
                    args[4 + (2 * i)] = storeKey;
                }

                pruned += (int)(long)(await RunStepAsync(steps, RedisScripts.Prune, keys, args, cancellationToken).ConfigureAwait(false));
            }
        }

        return new SweepResult(reclaimed, pruned, signals);
    }

    /// <inheritdoc />
    public async ValueTask<DirectoryRecord?> InspectAsync(ArtifactKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        var result = await RunAsync("Inspect", key, RedisScripts.Inspect, [_keys.Record(key), _keys.Holders(key)], []).ConfigureAwait(false);
        return result.IsNull ? null : Replies.Record(key, (RedisResult[])result!);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Finds the records with cursor-bounded <c>SCAN</c> calls (<c>MATCH</c> on this store's record keys,
    /// <c>COUNT</c> 256) on every primary, never <c>KEYS</c>, so no call holds the server for long. Each page of keys
    /// is then read with one <c>MULTI</c>/<c>EXEC</c> per record (its metadata and its holder entries, no content),
    /// pipelined. <c>SCAN</c> may return a key twice; the listing drops repeats. No Lua runs.
    /// </remarks>
    public IAsyncEnumerable<DirectoryRecord> ListRecordsAsync(CancellationToken cancellationToken = default) =>
        Guarded("ListRecords", ListRecordsCoreAsync(cancellationToken), cancellationToken);

    /// <inheritdoc />
    /// <remarks>Cursor-bounded <c>HSCAN</c> calls over the agents hash (<c>COUNT</c> 256); repeats are dropped.</remarks>
    public IAsyncEnumerable<AgentHeartbeat> ListAgentsAsync(CancellationToken cancellationToken = default) =>
        Guarded("ListAgents", ListAgentsCoreAsync(cancellationToken), cancellationToken);

    /// <summary>Disposes the connection when the store created it (<see cref="ConnectAsync(RedisStoreOptions, TimeProvider?)"/>).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_ownsConnection)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    // Listings: the COUNT of each SCAN/HSCAN call, and how many records are read in one pipelined batch.
    private const int ListPageSize = 256;

    // A record's fields except its content ('c'): a listing moves no content.
    private static readonly RedisValue[] ListedRecordFields = ["v", "t", "e", "h", "s", "w", "at"];

    private async IAsyncEnumerable<DirectoryRecord> ListRecordsCoreAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var pattern = GlobEscape(_keys.Prefix) + "{*}:rec";
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var page = new List<ArtifactKey>(ListPageSize);
        foreach (var server in Primaries())
        {
            await foreach (var found in server.KeysAsync(_database.Database, pattern, ListPageSize).WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                if (RecordKeyOf(found) is not { } key || !seen.Add(key.StoreKey))
                {
                    continue;
                }

                page.Add(key);
                if (page.Count == ListPageSize)
                {
                    foreach (var record in await ReadRecordsAsync(page).ConfigureAwait(false))
                    {
                        yield return record;
                    }

                    page.Clear();
                }
            }
        }

        foreach (var record in await ReadRecordsAsync(page).ConfigureAwait(false))
        {
            yield return record;
        }
    }

    private async IAsyncEnumerable<AgentHeartbeat> ListAgentsCoreAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var entry in _database.HashScanAsync(_keys.Agents, pageSize: ListPageSize).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            var agent = (string)entry.Name!;
            if (seen.Add(agent))
            {
                yield return new AgentHeartbeat(new AgentId(agent), Replies.FromTicks((string)entry.Value!));
            }
        }
    }

    // Each record in one MULTI/EXEC (a consistent copy of its two hashes), the page's transactions pipelined.
    // A record deleted since SCAN found its key (only a test flushing keys does that) is left out.
    private async Task<List<DirectoryRecord>> ReadRecordsAsync(List<ArtifactKey> keys)
    {
        var reads = new (ArtifactKey Key, Task<RedisValue[]> Fields, Task<HashEntry[]> Holders, Task<bool> Done)[keys.Count];
        for (var i = 0; i < keys.Count; i++)
        {
            var transaction = _database.CreateTransaction();
            var fields = transaction.HashGetAsync(_keys.Record(keys[i]), ListedRecordFields);
            var holders = transaction.HashGetAllAsync(_keys.Holders(keys[i]));
            reads[i] = (keys[i], fields, holders, transaction.ExecuteAsync());
        }

        try
        {
            await Task.WhenAll(reads.Select(r => r.Done)).ConfigureAwait(false);
        }
        catch
        {
            // The queued commands fail with their transaction; observe them so none goes unobserved.
            foreach (var read in reads)
            {
                _ = read.Fields.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                _ = read.Holders.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }

            throw;
        }

        var records = new List<DirectoryRecord>(keys.Count);
        foreach (var (key, fields, holders, _) in reads)
        {
            var values = await fields.ConfigureAwait(false);
            if (values[0].IsNull)
            {
                continue;
            }

            // As HGETALL would return them: name, value, for the fields the hash has.
            var flat = new List<RedisResult>(2 * ListedRecordFields.Length);
            for (var f = 0; f < ListedRecordFields.Length; f++)
            {
                if (!values[f].IsNull)
                {
                    flat.Add(RedisResult.Create(ListedRecordFields[f]));
                    flat.Add(RedisResult.Create(values[f]));
                }
            }

            var entries = await holders.ConfigureAwait(false);
            var holderFields = new RedisResult[2 * entries.Length];
            for (var h = 0; h < entries.Length; h++)
            {
                holderFields[2 * h] = RedisResult.Create(entries[h].Name);
                holderFields[(2 * h) + 1] = RedisResult.Create(entries[h].Value);
            }

            records.Add(Replies.Record(key, [RedisResult.Create(flat.ToArray()), RedisResult.Create(holderFields)]));
        }

        return records;
    }

    // The primaries to SCAN (on Cluster, every shard; the store's keys are in one slot when the prefix holds a tag).
    private IServer[] Primaries()
    {
        var primaries = _connection.GetServers().Where(server => !server.IsReplica).ToArray();
        return primaries.Length > 0
            ? primaries
            : throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, "No primary Redis server is known to the connection.");
    }

    // The artifact of one of this store's record keys ('<prefix>{<store key>}:rec'); null for any other key.
    private ArtifactKey? RecordKeyOf(RedisKey found)
    {
        const string Suffix = "}:rec";
        var text = (string?)found;
        var start = _keys.Prefix.Length + 1;
        if (text is null || text.Length <= start + Suffix.Length
            || !text.StartsWith(_keys.Prefix, StringComparison.Ordinal) || text[start - 1] != '{'
            || !text.EndsWith(Suffix, StringComparison.Ordinal))
        {
            return null;
        }

        // A store key escapes braces, so braces inside mean a key of another prefix that happens to match.
        var storeKey = text[start..^Suffix.Length];
        if (storeKey.AsSpan().IndexOfAny('{', '}') >= 0)
        {
            return null;
        }

        try
        {
            return ArtifactKey.FromStoreKey(storeKey);
        }
        catch (CoherenceArgumentException)
        {
            return null;
        }
    }

    // The text as a literal in a SCAN MATCH pattern.
    private static string GlobEscape(string text)
    {
        var escaped = new System.Text.StringBuilder(text.Length + 4);
        foreach (var c in text)
        {
            if (c is '*' or '?' or '[' or ']' or '\\')
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
        }

        return escaped.ToString();
    }

    // An enumeration whose failures are the store's own: StoreUnavailableException naming the endpoints.
    private async IAsyncEnumerable<T> Guarded<T>(string name, IAsyncEnumerable<T> source, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var items = source.GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                T item;
                try
                {
                    if (!await items.MoveNextAsync().ConfigureAwait(false))
                    {
                        break;
                    }

                    item = items.Current;
                }
                catch (Exception ex) when (IsStoreFailure(ex))
                {
                    throw Unavailable(name, null, ex);
                }

                yield return item;
            }
        }
        finally
        {
            await items.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Ticks as the scripts store them: 19 zero-padded digits, so equal-width strings compare as numbers.</summary>
    internal static string Ticks(DateTimeOffset time) => time.UtcTicks.ToString("D19", CultureInfo.InvariantCulture);

    // The scripts' 'now' argument: the store's clock with RedisClock.Client, else '' (the scripts read
    // the server's TIME).
    private string Now() => _clock == RedisClock.Client ? Ticks(_time.GetUtcNow()) : string.Empty;

    // A limit as the scripts take it (threshold in _lib.lua): whole seconds, rounded down (negative for a
    // negative limit), and the ticks left over (0 to 9,999,999), so the script's arithmetic stays exact.
    internal static (string Seconds, string Ticks) Limit(TimeSpan limit)
    {
        var seconds = Math.DivRem(limit.Ticks, TimeSpan.TicksPerSecond, out var rest);
        if (rest < 0)
        {
            seconds--;
            rest += TimeSpan.TicksPerSecond;
        }

        return (seconds.ToString(CultureInfo.InvariantCulture), rest.ToString(CultureInfo.InvariantCulture));
    }

    // The script's text of an operation id: '' for none.
    private static string Op(OperationId operation) => operation.Value ?? string.Empty;

    private async ValueTask<WriteResult> CommitUnderGrantAsync(string name, AgentId agent, ArtifactKey key, ContentPayload? content, OperationId operation, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var reply = await RunWriteAsync(
            name,
            key,
            operation,
            RedisScripts.Commit,
            [_keys.Agents, _keys.Record(key), _keys.Holders(key), _keys.Ops(agent)],
            content is null
                ? [agent.Value, Now(), "d", Op(operation), key.StoreKey]
                : [agent.Value, Now(), "c", Op(operation), key.StoreKey, content.Hash, content.SizeTokens.ToString(CultureInfo.InvariantCulture), content.Bytes]).ConfigureAwait(false);
        return Replies.Write(reply, key, agent);
    }

    private async ValueTask<WriteResult> CommitCasCoreAsync(string name, AgentId agent, ArtifactKey key, ContentPayload? content, long expectedVersion, OperationId operation, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var expected = expectedVersion.ToString(CultureInfo.InvariantCulture);
        var reply = await RunWriteAsync(
            name,
            key,
            operation,
            RedisScripts.CommitCas,
            [_keys.Agents, _keys.Record(key), _keys.Holders(key), _keys.Touched(agent), _keys.Ops(agent)],
            content is null
                ? [agent.Value, Now(), "d", expected, key.StoreKey, Op(operation)]
                : [agent.Value, Now(), "c", expected, key.StoreKey, Op(operation), content.Hash, content.SizeTokens.ToString(CultureInfo.InvariantCulture), content.Bytes]).ConfigureAwait(false);
        return Replies.Write(reply, key, agent);
    }

    // A call that is safe to repeat (or, for Read, whose effect is idempotent): any failure is StoreUnavailable.
    private async Task<RedisResult> RunAsync(string name, ArtifactKey? key, RedisScripts.Script script, RedisKey[] keys, RedisValue[] args)
    {
        try
        {
            return await _scripts.RunAsync(_database, script, keys, args).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw Unavailable(name, key, ex);
        }
    }

    // A write: OutcomeUnknown (with its id) unless the failure shows it never ran.
    private async Task<RedisResult> RunWriteAsync(string name, ArtifactKey key, OperationId operation, RedisScripts.Script script, RedisKey[] keys, RedisValue[] args)
    {
        try
        {
            return await _scripts.RunAsync(_database, script, keys, args).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw WriteFault(name, key, operation, ex);
        }
    }

    // How many agents one page of the silent-agent scan looks at (HSCAN's COUNT): a hash read, no artifact.
    private const int AgentsPerScan = 1000;

    // The agents silent past the prune limit: the agents hash a page at a time (silent.lua), each page
    // judged by the script's clock.
    private async Task<List<string>> SilentAgentsAsync(Steps steps, string now, string seconds, string ticks, CancellationToken cancellationToken)
    {
        var agents = new HashSet<string>(StringComparer.Ordinal);
        var cursor = "0";
        do
        {
            var page = (RedisResult[])(await RunStepAsync(steps, RedisScripts.Silent, [_keys.Agents], [cursor, AgentsPerScan, now, seconds, ticks], cancellationToken).ConfigureAwait(false))!;
            cursor = (string)page[0]!;
            for (var i = 1; i < page.Length; i++)
            {
                agents.Add((string)page[i]!);
            }
        }
        while (cursor != "0");

        return [.. agents];
    }

    // (agent, store key) for every artifact in the touched sets of these agents: the sets read a few
    // at a time, concurrently (the multiplexer pipelines them), in agent order.
    private async Task<List<(string Agent, string StoreKey)>> TouchedByAsync(Steps steps, List<string> agents, CancellationToken cancellationToken)
    {
        agents.Sort(StringComparer.Ordinal);
        var pairs = new List<(string, string)>();
        foreach (var group in agents.Chunk(64))
        {
            var sets = await Task.WhenAll(group.Select(agent => ReadSetAsync(steps, _keys.Touched(agent), cancellationToken))).ConfigureAwait(false);
            for (var i = 0; i < group.Length; i++)
            {
                pairs.AddRange(sets[i].Select(storeKey => (group[i], storeKey)));
            }
        }

        return pairs;
    }

    // Every member of a set, read with SSCAN (a bounded amount of work per command), without duplicates.
    private async Task<List<string>> ReadSetAsync(Steps steps, RedisKey key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var members = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            await foreach (var member in _database.SetScanAsync(key, pageSize: 1000).ConfigureAwait(false))
            {
                members.Add((string)member!);
            }
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw steps.Failed(this, ex);
        }

        return [.. members];
    }

    // One script call of a multi-call operation (Sweep, Forget): honours cancellation before it is sent,
    // and reports a failure with how far the operation had got.
    private async Task<RedisResult> RunStepAsync(Steps steps, RedisScripts.Script script, RedisKey[] keys, RedisValue[] args, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            var result = await _scripts.RunAsync(_database, script, keys, args).ConfigureAwait(false);
            steps.Completed++;
            return result;
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw steps.Failed(this, ex);
        }
    }

    // The progress of a multi-call operation, for its error message.
    private sealed class Steps(string name)
    {
        public int Completed { get; set; }

        public StoreUnavailableException Failed(RedisDirectoryStore store, Exception ex) =>
            Completed == 0
                ? store.Unavailable(name, null, ex)
                : store.Unavailable(name, null, ex, $"after {Completed} of its script calls had completed; what those did stays done, and running {name} again carries on from there");
    }

    // Everything the client library (or loading the code) can throw; a disposed connection and
    // cancellation stay as they are.
    private static bool IsStoreFailure(Exception ex) => ex is not (ObjectDisposedException or OperationCanceledException);

    private CoherenceFaultException WriteFault(string name, ArtifactKey key, OperationId operation, Exception ex) =>
        NeverRan(ex) ? Unavailable(name, key, ex) : new OutcomeUnknownException(key, name, ex, operation);

    // True when the failure shows the script did not run: the code could not be loaded, the command was
    // never written to a socket, StackExchange.Redis refused it before sending, or the server refused it
    // before running anything. A script refused at its first write (OOM, READONLY, MISCONF, NOREPLICAS
    // on a script without flags) has written nothing: Redis checks those only before a script's first
    // write, and the scripts write only after every check. Anything else after sending (connection lost,
    // timeout, an error from inside a script) may have landed.
    internal static bool NeverRan(Exception ex) => ex switch
    {
        RedisScripts.CodeNotLoadedException or RedisCommandException => true,
        RedisConnectionException connection => connection.FailureType == ConnectionFailureType.UnableToResolvePhysicalConnection || NotSent(connection.CommandStatus),
        RedisTimeoutException timeout => NotSent(timeout.Commandstatus),
        RedisServerException server => RefusedBeforeRunning(server.Message),
        _ => false,
    };

    private static bool NotSent(CommandStatus status) => status is CommandStatus.WaitingToBeSent or CommandStatus.WaitingInBacklog;

    private static readonly HashSet<string> RefusalsBeforeRunning = new(StringComparer.Ordinal)
    {
        "LOADING", "BUSY", "READONLY", "OOM", "MISCONF", "MASTERDOWN", "NOREPLICAS", "CLUSTERDOWN", "TRYAGAIN",
        "CROSSSLOT", "MOVED", "ASK", "NOAUTH", "NOPERM", "WRONGPASS", "NOSCRIPT", "EXECABORT",
    };

    private static bool RefusedBeforeRunning(string message)
    {
        var space = message.IndexOf(' ', StringComparison.Ordinal);
        var code = space < 0 ? message : message[..space];
        return RefusalsBeforeRunning.Contains(code)
            || message.StartsWith("ERR Function not found", StringComparison.OrdinalIgnoreCase)
            || message.StartsWith("ERR unknown command", StringComparison.OrdinalIgnoreCase);
    }

    private StoreUnavailableException Unavailable(string name, ArtifactKey? key, Exception ex, string applied = "nothing was applied, retry later")
    {
        var cause = ex is RedisScripts.CodeNotLoadedException { InnerException: { } load } ? load : ex;
        var detail = cause.Message.Length <= 300 ? cause.Message : cause.Message[..297] + "...";
        return new StoreUnavailableException(
            name,
            key,
            $"{name}{(key is null ? string.Empty : $" on '{key}'")} failed at the Redis directory store ({Endpoints()}); {applied}. {cause.GetType().Name}: {detail}",
            cause);
    }

    // The endpoints the connection was configured with (or discovered): host and port, never the password.
    private string Endpoints()
    {
        try
        {
            var endpoints = _connection.GetEndPoints();
            return endpoints.Length == 0 ? "no endpoint" : string.Join(", ", endpoints.Select(Format));
        }
        catch (ObjectDisposedException)
        {
            return "connection disposed";
        }

        static string Format(EndPoint endpoint) => endpoint switch
        {
            DnsEndPoint dns => dns.Host + ":" + dns.Port.ToString(CultureInfo.InvariantCulture),
            _ => endpoint.ToString() ?? endpoint.GetType().Name,
        };
    }

    // The scripts' CheckBatch errors: 'ACBATCH empty' and 'ACBATCH duplicate <member index>'.
    private const string BatchError = "ACBATCH ";

    private static CoherenceArgumentException InvalidBatch(string error, IReadOnlyList<BatchMember> members)
    {
        const string Duplicate = BatchError + "duplicate ";
        if (error.StartsWith(Duplicate, StringComparison.Ordinal)
            && int.TryParse(error.AsSpan(Duplicate.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            && index < members.Count)
        {
            return CoherenceRules.DuplicateMember(members[index].Key);
        }

        // Empty: the rules' own exception for the same batch.
        try
        {
            CoherenceRules.CheckBatch(members);
        }
        catch (CoherenceArgumentException rules)
        {
            return rules;
        }

        return new CoherenceArgumentException(nameof(members), error);
    }
}

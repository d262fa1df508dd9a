using AgentCoherence.Internal;

namespace AgentCoherence.Protocol;

/// <summary>
/// The protocol of PROTOCOL.md, in one place. Every method is one atomic step on a
/// <see cref="DirectoryState"/>: the caller (a store) guarantees nothing else touches the state
/// while it runs, then persists what changed. Refusals are returned as values and leave the state
/// untouched; signals for the peers are appended to the caller's list.
/// </summary>
public sealed class CoherenceRules
{
    /// <summary>The rules with every guard on. The only instance production code uses.</summary>
    public static CoherenceRules Default { get; } = new(ProtocolGuards.All);

    internal CoherenceRules(ProtocolGuards guards)
    {
        Guards = guards;
    }

    internal ProtocolGuards Guards { get; }

    private bool On(ProtocolGuards guard) => (Guards & guard) == guard;

    /// <summary>Registers an agent, or refreshes its heartbeat (monotonic max).</summary>
    public void Register(DirectoryState state, AgentId agent, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.Heartbeats[agent] = state.Heartbeats.TryGetValue(agent, out var last) && last > now ? last : now;
    }

    /// <summary>Heartbeat: records <paramref name="now"/> (monotonic max) for a registered agent.</summary>
    /// <returns>Null, or an UnknownAgent refusal.</returns>
    public Refusal? Heartbeat(DirectoryState state, AgentId agent, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (!state.Heartbeats.TryGetValue(agent, out var last))
        {
            return UnknownAgent(agent, null);
        }

        if (now > last)
        {
            state.Heartbeats[agent] = now;
        }

        return null;
    }

    /// <summary>
    /// Read: the reader becomes S (an E/M holder keeps its state) with its view at the current version
    /// and its read epoch at the owner epoch. When <paramref name="knownVersion"/> equals the current
    /// version the content is not returned (a re-validation); the view is still registered.
    /// </summary>
    public ReadResult Read(DirectoryState state, AgentId agent, ArtifactKey key, long knownVersion = -1)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (!state.Heartbeats.ContainsKey(agent))
        {
            return new ReadResult { Refusal = UnknownAgent(agent, key) };
        }

        if (!state.Records.TryGetValue(key, out var record))
        {
            return new ReadResult { Refusal = new Refusal(RefusalReason.NotFound, key, 0) { Agent = agent } };
        }

        var entry = EntryFor(record, agent);
        if (!entry.State.HoldsGrant())
        {
            entry.State = HolderState.Shared;
        }

        entry.ViewVersion = record.Version;
        entry.ReadEpoch = record.OwnerEpoch;

        // A tombstone, or a record an Acquire created with nothing committed yet: not found, but the
        // read is registered like any other, so it re-arms the reader's own fence (a creator whose
        // grant was reclaimed must be able to re-read, then re-create with CommitCas).
        if (!record.Exists)
        {
            return new ReadResult
            {
                Refusal = new Refusal(RefusalReason.NotFound, key, record.Version) { Agent = agent, IsTombstone = record.IsTombstone, OwnerEpoch = record.OwnerEpoch },
                Version = record.Version,
                OwnerEpoch = record.OwnerEpoch,
                LastWriter = record.LastWriter,
                CommittedAt = record.CommittedAt,
            };
        }

        var include = knownVersion != record.Version;
        return new ReadResult
        {
            Version = record.Version,
            OwnerEpoch = record.OwnerEpoch,
            ContentIncluded = include,
            Content = include ? record.Content : null,
            ContentHash = record.ContentHash,
            SizeTokens = record.SizeTokens,
            LastWriter = record.LastWriter,
            CommittedAt = record.CommittedAt,
        };
    }

    /// <summary>
    /// Acquire the write grant. Refused with HeldByOther while another agent holds E/M, then with
    /// StaleView when the caller's view of an existing artifact is not current. Creating an artifact
    /// that never existed or is deleted needs no prior read.
    /// </summary>
    /// <remarks>
    /// Every write takes an <see cref="OperationId"/>: when the agent had applied that operation, the
    /// recorded result comes back and nothing is checked or changed; otherwise a success is recorded
    /// in the same step. Refusals are not recorded (a retry of a refused operation is checked afresh).
    /// </remarks>
    public WriteResult Acquire(DirectoryState state, AgentId agent, ArtifactKey key, DateTimeOffset now, OperationId operation = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Operations.Find(agent, operation) is { } done)
        {
            return Replayed(done);
        }

        var result = AcquireCore(state, agent, key, now);
        return Remember(state, agent, operation, result);
    }

    private WriteResult AcquireCore(DirectoryState state, AgentId agent, ArtifactKey key, DateTimeOffset now)
    {
        if (!state.Heartbeats.ContainsKey(agent))
        {
            return Refused(UnknownAgent(agent, key), 0);
        }

        var record = GetOrCreate(state, key);
        if (On(ProtocolGuards.HolderCheck) && HeldByOther(record, agent) is { } held)
        {
            return Refused(held, record.Version);
        }

        record.Holders.TryGetValue(agent, out var entry);
        if (entry is not null && entry.State.HoldsGrant())
        {
            return new WriteResult(null, record.Version, []);
        }

        if (record.Exists)
        {
            var current = entry is not null && entry.State != HolderState.Invalid && entry.ViewVersion == record.Version;
            if (On(ProtocolGuards.StaleViewCheck) && !current)
            {
                return Refused(
                    new Refusal(RefusalReason.StaleView, key, record.Version) { Agent = agent, CallerVersion = entry?.ViewVersion ?? 0, OwnerEpoch = record.OwnerEpoch },
                    record.Version);
            }
        }

        entry ??= EntryFor(record, agent);
        if (!record.Exists)
        {
            // Creating from nothing: the absence the agent starts from is the current version.
            entry.ViewVersion = record.Version;
        }

        entry.State = HolderState.Exclusive;
        entry.ReadEpoch = record.OwnerEpoch;
        entry.GrantedAt = now;
        return new WriteResult(null, record.Version, []);
    }

    /// <summary>Commit under the grant: requires E/M and an unmoved epoch. Peers holding a view become I and get a signal.</summary>
    public WriteResult Commit(DirectoryState state, AgentId agent, ArtifactKey key, ContentPayload content, DateTimeOffset now, List<InvalidationSignal> signals, OperationId operation = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(content);
        if (state.Operations.Find(agent, operation) is { } done)
        {
            return Replayed(done);
        }

        return Remember(state, agent, operation, CommitUnderGrant(state, agent, key, content, now, signals));
    }

    /// <summary>Delete under the grant: commits a tombstone version.</summary>
    public WriteResult Delete(DirectoryState state, AgentId agent, ArtifactKey key, DateTimeOffset now, List<InvalidationSignal> signals, OperationId operation = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Operations.Find(agent, operation) is { } done)
        {
            return Replayed(done);
        }

        if (state.Records.TryGetValue(key, out var record) && !record.Exists && state.Heartbeats.ContainsKey(agent))
        {
            return Refused(NotFound(record, agent), record.Version);
        }

        return Remember(state, agent, operation, CommitUnderGrant(state, agent, key, null, now, signals));
    }

    /// <summary>
    /// Optimistic commit, checked in order: expected ahead (invalid), expected behind (VersionConflict),
    /// another holder (HeldByOther), the caller's read epoch behind the owner epoch (StaleEpoch).
    /// A caller holding the grant keeps it (M); any other winner becomes S.
    /// </summary>
    public WriteResult CommitCas(DirectoryState state, AgentId agent, ArtifactKey key, ContentPayload content, long expectedVersion, DateTimeOffset now, List<InvalidationSignal> signals, OperationId operation = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(content);
        if (state.Operations.Find(agent, operation) is { } done)
        {
            return Replayed(done);
        }

        return Remember(state, agent, operation, CommitCasCore(state, agent, key, content, expectedVersion, now, signals));
    }

    /// <summary>Optimistic delete: the CommitCas checks, then a tombstone version.</summary>
    public WriteResult DeleteCas(DirectoryState state, AgentId agent, ArtifactKey key, long expectedVersion, DateTimeOffset now, List<InvalidationSignal> signals, OperationId operation = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Operations.Find(agent, operation) is { } done)
        {
            return Replayed(done);
        }

        if (state.Heartbeats.ContainsKey(agent) && (!state.Records.TryGetValue(key, out var record) || !record.Exists))
        {
            var found = state.Records.GetValueOrDefault(key);
            return Refused(found is null ? new Refusal(RefusalReason.NotFound, key, 0) { Agent = agent } : NotFound(found, agent), found?.Version ?? 0);
        }

        return Remember(state, agent, operation, CommitCasCore(state, agent, key, null, expectedVersion, now, signals));
    }

    /// <summary>
    /// The uncoordinated write of observe mode: what a system without coordination would do with a write that
    /// enforcement refuses. Refused only for an unknown agent, and (a delete, <paramref name="content"/> null) for an
    /// artifact that does not exist (NotFound); no expected version, grant, holder or epoch is checked. The version
    /// moves up by one; the writer's view moves to it and its read epoch to the owner epoch, and it keeps E/M if it
    /// held the grant (M), else becomes S. Every peer holding a view, a peer holding the grant included, becomes I
    /// and gets a signal, in the order <see cref="Commit"/> uses. Recorded in the operation log like every write.
    /// </summary>
    /// <param name="state">The directory.</param>
    /// <param name="agent">The writer.</param>
    /// <param name="key">The artifact.</param>
    /// <param name="content">The content, or null for a delete (a tombstone version).</param>
    /// <param name="now">The store's time.</param>
    /// <param name="signals">Receives the peers' signals.</param>
    /// <param name="operation">The write's id (exactly-once, as for every write).</param>
    public WriteResult Override(DirectoryState state, AgentId agent, ArtifactKey key, ContentPayload? content, DateTimeOffset now, List<InvalidationSignal> signals, OperationId operation = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(signals);
        if (state.Operations.Find(agent, operation) is { } done)
        {
            return Replayed(done);
        }

        if (!state.Heartbeats.ContainsKey(agent))
        {
            return Refused(UnknownAgent(agent, key), 0);
        }

        var record = state.Records.GetValueOrDefault(key);
        if (content is null && (record is null || !record.Exists))
        {
            return Refused(record is null ? new Refusal(RefusalReason.NotFound, key, 0) { Agent = agent } : NotFound(record, agent), record?.Version ?? 0);
        }

        record ??= GetOrCreate(state, key);
        var entry = EntryFor(record, agent);
        entry.ReadEpoch = record.OwnerEpoch;
        Apply(record, agent, entry, content, now, keepGrant: true, signals);
        return Remember(state, agent, operation, new WriteResult(null, record.Version, signals.Count == 0 ? [] : signals.ToArray()));
    }

    /// <summary>
    /// Atomic multi-artifact publish: every member passes the CommitCas checks and all advance, or
    /// nothing changes and the per-member refusals say why.
    /// </summary>
    /// <exception cref="CoherenceArgumentException">The batch is empty, has a null member, or names an artifact twice; nothing changes.</exception>
    public CommitAllResult CommitAll(DirectoryState state, AgentId agent, IReadOnlyList<BatchMember> members, DateTimeOffset now, List<InvalidationSignal> signals, OperationId operation = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(members);
        CheckBatch(members);
        if (state.Operations.Find(agent, operation) is { } done)
        {
            return new CommitAllResult(new Refusal?[members.Count], done.Versions, done.Signals);
        }

        var refusals = new Refusal?[members.Count];
        var versions = new long[members.Count];
        var anyRefused = false;
        for (var i = 0; i < members.Count; i++)
        {
            var member = members[i];
            var record = state.Records.GetValueOrDefault(member.Key);
            versions[i] = record?.Version ?? 0;
            refusals[i] = CheckCas(state, agent, member.Key, record, member.ExpectedVersion);
            anyRefused |= refusals[i] is not null;
        }

        if (anyRefused)
        {
            return new CommitAllResult(refusals, versions, []);
        }

        for (var i = 0; i < members.Count; i++)
        {
            var result = CommitCasCore(state, agent, members[i].Key, members[i].Content, members[i].ExpectedVersion, now, signals);
            versions[i] = result.Version;
        }

        var all = signals.ToArray();
        if (!operation.IsNone)
        {
            state.Operations.Record(agent, new RecordedOperation(operation, versions, all));
        }

        return new CommitAllResult(refusals, versions, all);
    }

    /// <summary>
    /// The shape every store requires of a batch before it touches anything (the Redis script checks the
    /// same and reports it the same way): 1 or more members, none null, no artifact named twice.
    /// </summary>
    /// <exception cref="CoherenceArgumentException">The batch breaks one of those rules.</exception>
    public static void CheckBatch(IReadOnlyList<BatchMember> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        if (members.Count == 0)
        {
            throw new CoherenceArgumentException(nameof(members), "A batch holds at least one member.");
        }

        var distinct = new HashSet<ArtifactKey>();
        for (var i = 0; i < members.Count; i++)
        {
            var member = members[i] ?? throw new CoherenceArgumentException(nameof(members), $"Member {i} is null.");
            if (!distinct.Add(member.Key))
            {
                throw DuplicateMember(member.Key);
            }
        }
    }

    /// <summary>The error for a batch that names one artifact twice (shared by every store).</summary>
    public static CoherenceArgumentException DuplicateMember(ArtifactKey key) =>
        new("members", $"A batch must not name the same artifact twice ('{key}'); nothing was committed.");

    /// <summary>Release: E/M becomes S, the view kept. Returns false when the caller held no grant.</summary>
    public bool Release(DirectoryState state, AgentId agent, ArtifactKey key, OperationId operation = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Operations.Find(agent, operation) is not null)
        {
            return true;
        }

        if (!state.Records.TryGetValue(key, out var record) || !record.Holders.TryGetValue(agent, out var entry) || !entry.State.HoldsGrant())
        {
            return false;
        }

        entry.State = HolderState.Shared;
        entry.GrantedAt = null;
        if (!operation.IsNone)
        {
            state.Operations.Record(agent, new RecordedOperation(operation, [], []));
        }

        return true;
    }

    /// <summary>A clean leave: drops every entry of the agent (releasing its grants) and unregisters it.</summary>
    /// <returns>False when the agent was not registered.</returns>
    public bool Forget(DirectoryState state, AgentId agent)
    {
        ArgumentNullException.ThrowIfNull(state);
        foreach (var record in state.Records.Values)
        {
            record.Holders.Remove(agent);
        }

        state.Operations.Forget(agent);
        return state.Heartbeats.Remove(agent);
    }

    /// <summary>
    /// Crash recovery for every artifact: reclaim grants whose holder is silent past the heartbeat
    /// timeout, else held past the maximum hold; each reclamation moves the owner epoch. Then drop the
    /// S/I entries of long-silent agents, except entries that fence a zombie. Idempotent.
    /// </summary>
    public SweepResult Sweep(DirectoryState state, SweepPolicy policy, DateTimeOffset now, List<InvalidationSignal> signals)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(policy);
        List<Reclamation>? reclaimed = null;
        var pruned = 0;
        List<AgentId>? prune = null;
        // Records by store key and holders by agent id (both ordinal), so every store reclaims in the same order.
        foreach (var record in state.Records.Values.OrderBy(r => r.Key.StoreKey, StringComparer.Ordinal))
        {
            foreach (var (agent, entry) in record.Holders.OrderBy(h => h.Key.Value, StringComparer.Ordinal))
            {
                if (!entry.State.HoldsGrant())
                {
                    continue;
                }

                var silentFor = state.Heartbeats.TryGetValue(agent, out var beat) ? now - beat : TimeSpan.MaxValue;
                ReclaimTrigger? trigger = silentFor >= policy.HeartbeatTimeout ? ReclaimTrigger.Heartbeat
                    : entry.GrantedAt is { } granted && now - granted >= policy.MaxHold ? ReclaimTrigger.MaxHold
                    : null;
                if (trigger is { } why)
                {
                    record.OwnerEpoch++;
                    var info = new ReclaimInfo(why, now, record.OwnerEpoch);
                    entry.State = HolderState.Invalid;
                    entry.GrantedAt = null;
                    entry.LastReclaim = info;
                    (reclaimed ??= []).Add(new Reclamation(record.Key, agent, info));
                    signals.Add(new InvalidationSignal(record.Key, record.Version, AgentId.Sweeper, SignalKind.Reclaim, agent, record.OwnerEpoch));
                }
            }

            // After the reclaims, so the decision does not depend on order: an entry whose read epoch
            // is behind the owner epoch is a fence and is never dropped.
            if (policy.PruneSilentAfter is { } pruneAfter)
            {
                foreach (var (agent, entry) in record.Holders)
                {
                    var silentFor = state.Heartbeats.TryGetValue(agent, out var beat) ? now - beat : TimeSpan.MaxValue;
                    if (!entry.State.HoldsGrant() && silentFor >= pruneAfter && !(entry.ReadEpoch is { } epoch && epoch < record.OwnerEpoch))
                    {
                        (prune ??= []).Add(agent);
                    }
                }
            }

            if (prune is { Count: > 0 })
            {
                foreach (var agent in prune)
                {
                    record.Holders.Remove(agent);
                }

                pruned += prune.Count;
                prune.Clear();
            }
        }

        return new SweepResult((IReadOnlyList<Reclamation>?)reclaimed ?? [], pruned, signals.ToArray());
    }

    private WriteResult CommitUnderGrant(DirectoryState state, AgentId agent, ArtifactKey key, ContentPayload? content, DateTimeOffset now, List<InvalidationSignal> signals)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (!state.Heartbeats.ContainsKey(agent))
        {
            return Refused(UnknownAgent(agent, key), 0);
        }

        if (!state.Records.TryGetValue(key, out var record) || !record.Holders.TryGetValue(agent, out var entry))
        {
            var version = record?.Version ?? 0;
            return Refused(new Refusal(RefusalReason.NotOwner, key, version) { Agent = agent, OwnerEpoch = record?.OwnerEpoch ?? 0 }, version);
        }

        // A reclaimed zombie is told StaleEpoch, not just NotOwner, so it knows to re-read.
        if (On(ProtocolGuards.Fence) && entry.ReadEpoch is { } readEpoch && readEpoch < record.OwnerEpoch)
        {
            return Refused(StaleEpoch(record, agent, entry), record.Version);
        }

        if (On(ProtocolGuards.SingleGrant) && !entry.State.HoldsGrant())
        {
            return Refused(
                new Refusal(RefusalReason.NotOwner, key, record.Version) { Agent = agent, Reclaim = entry.LastReclaim, OwnerEpoch = record.OwnerEpoch },
                record.Version);
        }

        if (On(ProtocolGuards.Fence) && entry.ReadEpoch != record.OwnerEpoch)
        {
            return Refused(StaleEpoch(record, agent, entry), record.Version);
        }

        Apply(record, agent, entry, content, now, keepGrant: true, signals);
        return new WriteResult(null, record.Version, signals.Count == 0 ? [] : signals.ToArray());
    }

    private WriteResult CommitCasCore(DirectoryState state, AgentId agent, ArtifactKey key, ContentPayload? content, long expectedVersion, DateTimeOffset now, List<InvalidationSignal> signals)
    {
        ArgumentNullException.ThrowIfNull(state);
        var record = state.Records.GetValueOrDefault(key);
        if (CheckCas(state, agent, key, record, expectedVersion) is { } refusal)
        {
            return Refused(refusal, record?.Version ?? 0);
        }

        record ??= GetOrCreate(state, key);
        var entry = EntryFor(record, agent);
        Apply(record, agent, entry, content, now, keepGrant: entry.State.HoldsGrant(), signals);
        return new WriteResult(null, record.Version, signals.Count == 0 ? [] : signals.ToArray());
    }

    private Refusal? CheckCas(DirectoryState state, AgentId agent, ArtifactKey key, DirectoryRecord? record, long expectedVersion)
    {
        if (!state.Heartbeats.ContainsKey(agent))
        {
            return UnknownAgent(agent, key);
        }

        var version = record?.Version ?? 0;
        if (expectedVersion > version || expectedVersion < 0)
        {
            return new Refusal(RefusalReason.ExpectedVersionAhead, key, version) { Agent = agent, CallerVersion = expectedVersion };
        }

        if (record is null)
        {
            return null;
        }

        if (On(ProtocolGuards.VersionCheck) && expectedVersion < version)
        {
            return new Refusal(RefusalReason.VersionConflict, key, version) { Agent = agent, CallerVersion = expectedVersion, OwnerEpoch = record.OwnerEpoch };
        }

        if (On(ProtocolGuards.HolderCheck) && HeldByOther(record, agent) is { } held)
        {
            return held;
        }

        if (record.Holders.TryGetValue(agent, out var entry) && On(ProtocolGuards.Fence)
            && entry.ReadEpoch is { } readEpoch && readEpoch < record.OwnerEpoch)
        {
            return StaleEpoch(record, agent, entry);
        }

        return null;
    }

    private void Apply(DirectoryRecord record, AgentId agent, HolderEntry entry, ContentPayload? content, DateTimeOffset now, bool keepGrant, List<InvalidationSignal> signals)
    {
        record.Version++;
        record.IsTombstone = content is null;
        record.Content = content?.Bytes;
        record.ContentHash = content?.Hash;
        record.SizeTokens = content?.SizeTokens ?? 0;
        record.LastWriter = agent;
        record.CommittedAt = now;

        if (keepGrant && entry.State.HoldsGrant())
        {
            entry.State = HolderState.Modified;
        }
        else
        {
            entry.State = HolderState.Shared;
            entry.GrantedAt = null;
        }

        entry.ViewVersion = record.Version;

        var kind = content is null ? SignalKind.Delete : SignalKind.Commit;
        var first = signals.Count;
        foreach (var (peer, peerEntry) in record.Holders)
        {
            if (peer == agent || peerEntry.State == HolderState.Invalid)
            {
                continue;
            }

            if (On(ProtocolGuards.Invalidation))
            {
                peerEntry.State = HolderState.Invalid;
                peerEntry.GrantedAt = null;
            }

            signals.Add(new InvalidationSignal(record.Key, record.Version, agent, kind, peer, record.OwnerEpoch));
        }

        // Every store must report the same signals in the same order: peers by agent id (ordinal).
        if (signals.Count - first > 1)
        {
            signals.Sort(first, signals.Count - first, SignalOrder.Instance);
        }
    }

    private sealed class SignalOrder : IComparer<InvalidationSignal>
    {
        public static readonly SignalOrder Instance = new();

        public int Compare(InvalidationSignal? x, InvalidationSignal? y) =>
            string.CompareOrdinal(x?.Recipient.Value, y?.Recipient.Value);
    }

    private static Refusal? HeldByOther(DirectoryRecord record, AgentId agent)
    {
        foreach (var (holder, entry) in record.Holders)
        {
            if (holder != agent && entry.State.HoldsGrant())
            {
                return new Refusal(RefusalReason.HeldByOther, record.Key, record.Version)
                {
                    Agent = agent,
                    Holder = holder,
                    HolderSince = entry.GrantedAt,
                    OwnerEpoch = record.OwnerEpoch,
                };
            }
        }

        return null;
    }

    private static Refusal StaleEpoch(DirectoryRecord record, AgentId agent, HolderEntry entry) =>
        new(RefusalReason.StaleEpoch, record.Key, record.Version)
        {
            Agent = agent,
            ReadEpoch = entry.ReadEpoch,
            OwnerEpoch = record.OwnerEpoch,
            Reclaim = entry.LastReclaim,
        };

    private static Refusal NotFound(DirectoryRecord record, AgentId agent) =>
        new(RefusalReason.NotFound, record.Key, record.Version) { Agent = agent, IsTombstone = record.IsTombstone, OwnerEpoch = record.OwnerEpoch };

    private static Refusal UnknownAgent(AgentId agent, ArtifactKey? key) =>
        new(RefusalReason.UnknownAgent, key ?? UnknownAgentKey, 0) { Agent = agent };

    private static readonly ArtifactKey UnknownAgentKey = new("#", "#");

    private static WriteResult Refused(Refusal refusal, long version) => new(refusal, version, []);

    private static WriteResult Replayed(RecordedOperation done) => new(null, done.Versions.Count > 0 ? done.Versions[0] : 0, done.Signals);

    private static WriteResult Remember(DirectoryState state, AgentId agent, OperationId operation, WriteResult result)
    {
        if (result.Succeeded && !operation.IsNone)
        {
            state.Operations.Record(agent, new RecordedOperation(operation, [result.Version], result.Signals));
        }

        return result;
    }

    private static DirectoryRecord GetOrCreate(DirectoryState state, ArtifactKey key)
    {
        if (!state.Records.TryGetValue(key, out var record))
        {
            record = new DirectoryRecord(key);
            state.Records[key] = record;
        }

        return record;
    }

    private static HolderEntry EntryFor(DirectoryRecord record, AgentId agent)
    {
        if (!record.Holders.TryGetValue(agent, out var entry))
        {
            entry = new HolderEntry();
            record.Holders[agent] = entry;
        }

        return entry;
    }
}

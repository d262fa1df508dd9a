using System.Globalization;
using AgentCoherence.Protocol;

namespace AgentCoherence.Simulation.Internal;

internal enum SimProcessState
{
    Running,
    Stalled,
    Crashed,
}

/// <summary>One agent's slot in the fleet: its current process (client and agent) and what it is in the middle of.</summary>
internal sealed class SimSlot(int index, string name, IReadOnlyList<SimulatedArtifact> artifacts)
{
    public int Index { get; } = index;

    public string Name { get; } = name;

    public IReadOnlyList<SimulatedArtifact> Artifacts { get; } = artifacts;

    public int Process { get; set; }

    public CoherenceClient? Client { get; set; }

    public CoherentAgent? Agent { get; set; }

    public SimProcessState State { get; set; }

    public int Until { get; set; }

    public int Group { get; set; }

    public PendingGrant? Grant { get; set; }

    public PendingUnknown? Unknown { get; set; }

    public Dictionary<string, long> Known { get; } = new(StringComparer.Ordinal);
}

internal sealed record PendingGrant(CoherenceGrant Grant, SimulatedArtifact Artifact, long Base, int CommitTick);

internal sealed record PendingUnknown(OutcomeUnknownException Exception, SimulatedArtifact Artifact, string Nonce);

internal sealed record AppliedWrite(long Version, string Agent, string Nonce, int Tick);

/// <summary>
/// What the signals delivered to one process about one key oblige it to: no hit older than <see cref="Version"/>
/// (the newest commit or delete delivered), and, while <see cref="ReclaimPending"/>, no hit at or below
/// <see cref="ReclaimVersion"/> until the process has read the key from the store again.
/// </summary>
internal sealed class Obligation
{
    public long Version { get; set; } = -1;

    public long MaxVersion { get; set; } = -1;

    public long MaxEpoch { get; set; } = -1;

    public bool ReclaimPending { get; set; }

    public long ReclaimVersion { get; set; } = -1;
}

/// <summary>Thrown inside a run to stop it at the first broken invariant.</summary>
internal sealed class ViolationFound(InvariantViolation violation) : Exception(violation.Message)
{
    public InvariantViolation Violation { get; } = violation;
}

/// <summary>
/// One deterministic run: real clients and agents (one simulated process per agent) on one store, a simulated bus,
/// one simulated clock and one seeded random source, all driven tick by tick on the calling thread.
/// </summary>
internal sealed class SimulationRun
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly SimulationSettings _settings;
    private readonly SimulationWorkload _workload;
    private readonly SimScheduler _scheduler = new(Start);
    private readonly SimSynchronizationContext _context = new();
    private readonly IDirectoryStore _inner;
    private readonly SimStore _store;
    private readonly SimNetwork _network;
    private readonly List<SimSlot> _slots = [];
    private readonly Dictionary<string, SimSlot> _slotByName = new(StringComparer.Ordinal);
    private readonly Dictionary<int, SimSlot> _slotByProcess = [];
    private readonly List<CoherentAgent> _everyAgent = [];
    private readonly Dictionary<string, List<AppliedWrite>> _ledger = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _nonces = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _lastVersion = new(StringComparer.Ordinal);
    private readonly Dictionary<(int Process, string Key), Obligation> _obligations = [];
    private readonly Dictionary<string, IReadOnlyList<InvalidationSignal>> _signalsOfWrite = new(StringComparer.Ordinal);
    private readonly HashSet<InvalidationSignal> _published = [];
    private readonly Dictionary<string, int> _artifactIndex = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, long> _refusals = new(StringComparer.Ordinal);
    private readonly SimTokenCounter _tokens;
    private InvariantViolation? _violation;
    private int _nextProcess;
    private long _writeCounter;
    private int _partitionUntil = -1;
    private int _outageUntil = -1;
    private long _refetched;
    private long _noCoherence, _acked, _appliedWrites, _retries, _staleReads, _staleTicks, _maxStale;

    public SimulationRun(SimulationSettings settings)
    {
        _settings = settings;
        _workload = settings.Workload;
        Faults = settings.Faults;
        Random = new Random(settings.Seed);
        _inner = settings.StoreFactory is { } factory
            ? factory(new ProcessClock(_scheduler, -1)) ?? throw new InvalidOperationException("The simulation's StoreFactory returned null.")
            : new InMemoryDirectoryStore(new ProcessClock(_scheduler, -1));
        _store = new SimStore(this, _inner);
        _network = new SimNetwork(this);
        _tokens = new SimTokenCounter(_workload.Artifacts);
        for (var i = 0; i < _workload.Artifacts.Count; i++)
        {
            _artifactIndex[_workload.Artifacts[i].Name] = i;
        }

        _scheduler.IsRunning = p => _slotByProcess.TryGetValue(p, out var slot) && slot.Process == p && slot.State == SimProcessState.Running;
        _scheduler.AfterCallback = Drain;
    }

    public Random Random { get; }

    /// <summary>Receives a line per event when set (tests use it to explain a seed).</summary>
    public Action<string>? Trace { get; set; }

    private void Log(string line) => Trace?.Invoke(FormattableString.Invariant($"t{Tick} s{Step} {line}"));

    public SimulationFaults Faults { get; }

    public FaultTally Counts { get; } = new();

    public int Tick { get; private set; }

    public long Step { get; private set; }

    public long StoreFailures { get; set; }

    public long Reclaims { get; set; }

    public bool InOutage => Tick < _outageUntil;

    /// <summary>True while the setup process creates the artifacts: no faults then.</summary>
    public bool SettingUp { get; private set; }

    public SimulationResult Run()
    {
        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(_context);
        InvariantViolation? violation = null;
        var ticks = _workload.EffectiveTicks;
        try
        {
            for (var i = 0; i < _workload.AgentNames.Count; i++)
            {
                var name = _workload.AgentNames[i];
                var slot = new SimSlot(i, name, _workload.ArtifactsOf(name));
                _slots.Add(slot);
                _slotByName[name] = slot;
                StartProcess(slot);
            }

            if (_workload.PreCreate)
            {
                CreateArtifacts();
            }

            for (Tick = 0; Tick < ticks; Tick++)
            {
                try
                {
                    RunTick();
                }
                catch (ViolationFound found)
                {
                    violation = found.Violation;
                    break;
                }
            }
        }
        finally
        {
            try
            {
                CloseStore();
            }
            finally
            {
                SynchronizationContext.SetSynchronizationContext(previous);
            }
        }

        return Result(Math.Min(Tick + (violation is null ? 0 : 1), ticks), violation);
    }

    // The run owns the store its factory built (a SQLite store keeps a connection and a file open).
    private void CloseStore()
    {
        if (_inner is IAsyncDisposable asyncDisposable)
        {
            Await(asyncDisposable.DisposeAsync());
        }
        else if (_inner is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }

    // A setup process writes version 1 of every artifact, then leaves; its agent's costs are not the fleet's.
    private void CreateArtifacts()
    {
        const string Setup = "sim-setup";
        SettingUp = true;
        var client = new CoherenceClient(_store, _network.Endpoint(-2), Options(), new ProcessClock(_scheduler, -2), tokenCounter: _tokens);
        _settings.ClientCreated?.Invoke(client);
        var agent = client.Agent(Setup, new AgentOptions { Strategy = _settings.Strategy, SendHeartbeats = false });
        foreach (var artifact in _workload.Artifacts)
        {
            var nonce = FormattableString.Invariant($"{Setup}#{++_writeCounter}");
            Guard(() => Await(agent.WriteCasAsync(Key(artifact), FormattableString.Invariant($"{_artifactIndex[artifact.Name]}|{Setup}|0|{nonce}"), 0)));
        }

        Guard(() => Await(agent.DisposeAsync()));
        SettingUp = false;
    }

    private void RunTick()
    {
        DrawFaults();
        if (_workload.Script is { } script)
        {
            var step = script[Tick];
            var slot = _slotByName[step.Agent];
            if (slot.State == SimProcessState.Running)
            {
                Step++;
                Guard(() => Act(slot, Artifact(step.Artifact), step.Write, scripted: true));
            }
        }
        else
        {
            foreach (var slot in _slots)
            {
                if (slot.State != SimProcessState.Running)
                {
                    continue;
                }

                Guard(() => Turn(slot));
            }
        }

        Drain();
        Guard(() => _scheduler.AdvanceTo(Start + TimeSpan.FromSeconds(Tick + 1)));
        Guard(() => _network.Deliver(Tick));
        if (_settings.CheckInvariants)
        {
            Guard(CheckRecords);
        }
    }

    // A broken invariant surfaces as the store's own check (Debug builds) or ours; either stops the run.
    // A violation found inside a store call is thrown to the client as InvariantViolationException, which it passes
    // through unretried; one found where the client swallows failures (a background refresh, a timer) is still kept.
    private void Guard(Action action)
    {
        try
        {
            action();
        }
        catch (InvariantViolationException ex)
        {
            _violation ??= new InvariantViolation(ex.Message.Split(' ', 2)[0], _settings.Seed, Tick, Step, ex.Message, Reproduce());
        }

        if (_violation is { } found)
        {
            throw new ViolationFound(found);
        }
    }

    private void DrawFaults()
    {
        foreach (var slot in _slots)
        {
            if (slot.State != SimProcessState.Running && Tick >= slot.Until)
            {
                if (slot.State == SimProcessState.Crashed)
                {
                    Counts.Restarts++;
                    StartProcess(slot);
                }

                slot.State = SimProcessState.Running;
            }

            if (slot.State != SimProcessState.Running || _workload.Script is not null)
            {
                continue;
            }

            if (Faults.Crash > 0 && Random.NextDouble() < Faults.Crash)
            {
                Counts.Crashes++;
                Log($"{slot.Name} crashes");
                slot.State = SimProcessState.Crashed;
                slot.Until = Tick + Math.Max(1, Faults.RestartAfterTicks);
                slot.Grant = null;
                slot.Unknown = null;
            }
            else if (Faults.Stall > 0 && Random.NextDouble() < Faults.Stall)
            {
                Counts.Stalls++;
                slot.State = SimProcessState.Stalled;
                slot.Until = Tick + Random.Next(1, Math.Max(1, Faults.MaxStallTicks) + 1);
                Log($"{slot.Name} stalls until t{slot.Until}");
            }
        }

        if (Faults.Partition > 0 && Tick >= _partitionUntil && Random.NextDouble() < Faults.Partition)
        {
            Counts.Partitions++;
            _partitionUntil = Tick + Random.Next(1, Math.Max(1, Faults.MaxPartitionTicks) + 1);
            foreach (var slot in _slots)
            {
                slot.Group = Random.Next(2);
            }
        }

        if (Faults.StoreOutage > 0 && Tick >= _outageUntil && Random.NextDouble() < Faults.StoreOutage)
        {
            Counts.StoreOutages++;
            _outageUntil = Tick + Random.Next(1, Math.Max(1, Faults.MaxOutageTicks) + 1);
        }
    }

    private void StartProcess(SimSlot slot)
    {
        var process = _nextProcess++;
        slot.Process = process;
        slot.State = SimProcessState.Running;
        slot.Known.Clear();
        _slotByProcess[process] = slot;
        var clock = new ProcessClock(_scheduler, process);
        var client = new CoherenceClient(_store, _network.Endpoint(process), Options(), clock, tokenCounter: _tokens);
        _settings.ClientCreated?.Invoke(client);
        slot.Client = client;
        slot.Agent = client.Agent(slot.Name, new AgentOptions { Strategy = _settings.Strategy, SendHeartbeats = true });
        _everyAgent.Add(slot.Agent);
    }

    private CoherenceOptions Options()
    {
        var options = new CoherenceOptions
        {
            HeartbeatInterval = TimeSpan.FromSeconds(1),
        };
        options.Cache.Strategy = _settings.Strategy;
        options.Cache.LeaseTtl = TimeSpan.FromSeconds(_workload.LeaseTtlTicks);
        options.Cache.AccessCount = _workload.AccessCountLimit;
        options.CrashRecovery.HeartbeatTimeout = TimeSpan.FromSeconds(_workload.HeartbeatTimeoutTicks);
        options.CrashRecovery.MaxHold = TimeSpan.FromSeconds(_workload.MaxHoldTicks);
        options.CrashRecovery.SweepInterval = TimeSpan.FromSeconds(1);
        options.CrashRecovery.PruneSilentAfter = null;
        options.StoreRetry.BaseDelay = TimeSpan.Zero;
        options.StoreRetry.MaxDelay = TimeSpan.Zero;
        options.Update.BaseDelay = TimeSpan.Zero;
        options.Update.MaxDelay = TimeSpan.Zero;
        return options;
    }

    private void Turn(SimSlot slot)
    {
        if (slot.Unknown is { } unknown)
        {
            // An agent does nothing else while a write of its is unresolved (docs/protocol.md, known gaps).
            Resolve(slot, unknown);
            return;
        }

        if (slot.Grant is { } held)
        {
            if (Tick >= held.CommitTick)
            {
                Step++;
                slot.Grant = null;
                CommitUnderGrant(slot, held);
            }

            return;
        }

        if (Random.NextDouble() >= _workload.AccessProbability || slot.Artifacts.Count == 0)
        {
            return;
        }

        var artifact = slot.Artifacts[Random.Next(slot.Artifacts.Count)];
        var write = Random.NextDouble() < _workload.WriteProbability;
        Step++;
        Act(slot, artifact, write, scripted: false);
    }

    private void Act(SimSlot slot, SimulatedArtifact artifact, bool write, bool scripted)
    {
        if (!write)
        {
            Read(slot, artifact, reacquire: false);
            return;
        }

        // A drawn write is derived from what the agent reads first (a hit when its copy is valid); a scripted one,
        // like bench tokens' writes, from the agent's last view.
        long? baseVersion = scripted ? slot.Known.GetValueOrDefault(artifact.Name) : Read(slot, artifact, reacquire: false);
        if (baseVersion is not { } based)
        {
            return;
        }

        if (!scripted && Random.NextDouble() < _workload.CasShare)
        {
            WriteCas(slot, artifact, based, retry: true);
        }
        else
        {
            WriteUnderGrant(slot, artifact, based, retry: !scripted, scripted);
        }
    }

    // The version read (0 or the tombstone's when it does not exist), or null when the read failed.
    private long? Read(SimSlot slot, SimulatedArtifact artifact, bool reacquire)
    {
        var agent = slot.Agent!;
        _noCoherence += artifact.SizeTokens;
        try
        {
            var fetchedBefore = reacquire ? agent.Stats.TokensFetched : 0;
            var hitsBefore = agent.Stats.Hits;
            var view = Await(reacquire ? agent.ReacquireAsync(Key(artifact)) : agent.ReadAsync(Key(artifact)));
            if (agent.Stats.Hits > hitsBefore)
            {
                CheckHit(slot, artifact, view.Version);
            }

            if (reacquire)
            {
                _refetched += agent.Stats.TokensFetched - fetchedBefore;
            }

            Log($"{slot.Name} {(reacquire ? "reacquired" : "read")} {artifact.Name} v{view.Version}");
            slot.Known[artifact.Name] = view.Version;
            Staleness(artifact, view.Version);
            return view.Version;
        }
        catch (ArtifactNotFoundException missing)
        {
            slot.Known[artifact.Name] = missing.TombstoneVersion;
            return missing.TombstoneVersion;
        }
        catch (CoherenceException refused)
        {
            Refused(refused);
            return null;
        }
        catch (CoherenceFaultException)
        {
            return null;
        }
    }

    private void WriteCas(SimSlot slot, SimulatedArtifact artifact, long baseVersion, bool retry)
    {
        var nonce = Nonce(slot);
        try
        {
            var view = Await(slot.Agent!.WriteCasAsync(Key(artifact), Content(slot, artifact, baseVersion, nonce), baseVersion));
            Acknowledged(slot, artifact, view.Version, nonce);
        }
        catch (CoherenceException refused)
        {
            Refused(refused);
            if (retry && refused.Reason is RefusalReason.VersionConflict or RefusalReason.StaleEpoch)
            {
                _retries++;
                if (Read(slot, artifact, reacquire: true) is { } fresh)
                {
                    WriteCas(slot, artifact, fresh, retry: false);
                }
            }
        }
        catch (OutcomeUnknownException unknown)
        {
            Counts.OutcomesUnknown++;
            Log($"{slot.Name}'s write {nonce} on {artifact.Name}: outcome unknown");
            slot.Unknown = new PendingUnknown(unknown, artifact, nonce);
        }
        catch (CoherenceFaultException)
        {
        }
    }

    private void WriteUnderGrant(SimSlot slot, SimulatedArtifact artifact, long baseVersion, bool retry, bool scripted)
    {
        CoherenceGrant grant;
        try
        {
            grant = Await(slot.Agent!.AcquireAsync(Key(artifact)));
        }
        catch (CoherenceException refused)
        {
            Refused(refused);
            if (retry && refused.Reason == RefusalReason.StaleView && Read(slot, artifact, reacquire: true) is { } fresh)
            {
                _retries++;
                WriteUnderGrant(slot, artifact, fresh, retry: false, scripted);
            }

            return;
        }
        catch (CoherenceFaultException)
        {
            return;
        }

        Log($"{slot.Name} acquired {artifact.Name} at v{grant.Version} with base v{baseVersion}");
        var hold = scripted || _workload.MaxGrantHoldTicks == 0 ? 0 : Random.Next(0, _workload.MaxGrantHoldTicks + 1);
        var pending = new PendingGrant(grant, artifact, baseVersion, Tick + hold);
        if (hold > 0)
        {
            slot.Grant = pending;
            return;
        }

        CommitUnderGrant(slot, pending);
    }

    private void CommitUnderGrant(SimSlot slot, PendingGrant pending)
    {
        var nonce = Nonce(slot);
        try
        {
            var version = Await(pending.Grant.CommitAsync(Content(slot, pending.Artifact, pending.Base, nonce)));
            Acknowledged(slot, pending.Artifact, version, nonce);
        }
        catch (CoherenceException refused)
        {
            Refused(refused);
        }
        catch (OutcomeUnknownException unknown)
        {
            Counts.OutcomesUnknown++;
            Log($"{slot.Name}'s write {nonce} on {pending.Artifact.Name}: outcome unknown");
            slot.Unknown = new PendingUnknown(unknown, pending.Artifact, nonce);
        }
        catch (CoherenceFaultException)
        {
        }
        finally
        {
            try
            {
                Await(pending.Grant.DisposeAsync());
            }
            catch (CoherenceFaultException)
            {
            }
        }
    }

    private void Resolve(SimSlot slot, PendingUnknown unknown)
    {
        _retries++;
        try
        {
            var landed = Await(slot.Agent!.ResolveAsync(unknown.Exception));
            Log($"{slot.Name} resolved {unknown.Nonce}: landed={landed}");
            slot.Unknown = null;
            if (landed)
            {
                var count = _nonces.ContainsKey(unknown.Nonce) ? 1 : 0;
                if (count != 1)
                {
                    throw Violation("LandedMeansLanded", $"{slot.Name}'s write {unknown.Nonce} on '{unknown.Artifact.Name}' was resolved as landed, but the store never applied it.");
                }

                _acked++;
                _noCoherence += unknown.Artifact.SizeTokens;
                CheckSignalled(slot, unknown.Artifact, unknown.Nonce);
            }
        }
        catch (OutcomeUnknownException)
        {
        }
        catch (CoherenceException refused)
        {
            Refused(refused);
            slot.Unknown = null;
        }
        catch (CoherenceFaultException)
        {
        }
    }

    private void Acknowledged(SimSlot slot, SimulatedArtifact artifact, long version, string nonce)
    {
        _acked++;
        _noCoherence += artifact.SizeTokens;
        slot.Known[artifact.Name] = version;
        CheckSignalled(slot, artifact, nonce);
        var ledger = _ledger.GetValueOrDefault(artifact.Name);
        if (ledger is null || version < 1 || version > ledger.Count || ledger[(int)version - 1].Nonce != nonce)
        {
            throw Violation("LandedMeansLanded", $"{slot.Name} was told its write {nonce} landed as v{version} of '{artifact.Name}', but the store applied {(ledger is not null && version >= 1 && version <= ledger.Count ? ledger[(int)version - 1].Nonce : "nothing")} there.");
        }
    }

    /// <summary>A write the store applied: checked against the record as it was just before.</summary>
    public void Applied(AgentId agent, ArtifactKey key, DirectoryRecord? before, WriteResult result, ContentPayload content, bool underGrant)
    {
        var previous = before?.Version ?? 0;
        if (!result.Succeeded || result.Version != previous + 1)
        {
            return;
        }

        _appliedWrites++;
        var text = SimStore.Text(content);
        Log($"store applied {text} as v{result.Version} of {key.Name} (underGrant={underGrant}, epoch {before?.OwnerEpoch})");
        var parts = text.Split('|');
        var name = key.Name;
        var baseVersion = long.Parse(parts[2], CultureInfo.InvariantCulture);
        var nonce = parts[3];
        if (before is not null && before.Holders.TryGetValue(agent, out var entry))
        {
            var stale = underGrant ? entry.ReadEpoch != before.OwnerEpoch : entry.ReadEpoch is { } epoch && epoch < before.OwnerEpoch;
            if (stale)
            {
                throw Violation("NoStaleApply", $"{agent}'s {(underGrant ? "commit" : "compare-and-set")} on '{name}' landed as v{result.Version} with read epoch {entry.ReadEpoch?.ToString(CultureInfo.InvariantCulture) ?? "none"} behind owner epoch {before.OwnerEpoch}.");
            }
        }

        if (!_nonces.TryAdd(nonce, name))
        {
            throw Violation("NoDoubleApply", $"{agent}'s write {nonce} was applied twice (again as v{result.Version} of '{name}').");
        }

        if (baseVersion != result.Version - 1)
        {
            throw Violation("NoLostUpdate", $"{agent}'s write {nonce} was derived from v{baseVersion} of '{name}' but landed as v{result.Version}: the versions in between were overwritten.");
        }

        var ledger = _ledger.TryGetValue(name, out var list) ? list : _ledger[name] = [];
        if (result.Version != ledger.Count + 1)
        {
            throw Violation("ContiguousVersions", $"v{result.Version} of '{name}' was applied after {ledger.Count} recorded versions.");
        }

        ledger.Add(new AppliedWrite(result.Version, agent.Value, nonce, Tick));
        _signalsOfWrite[nonce] = result.Signals;
    }

    /// <summary>A signal the client published (whatever the bus then does with it).</summary>
    public void Published(InvalidationSignal signal) => _published.Add(signal);

    /// <summary>A signal handed to a running process's client by the bus.</summary>
    public void Delivered(int process, InvalidationSignal signal)
    {
        var key = (process, signal.Key.Name);
        var obligation = _obligations.TryGetValue(key, out var found) ? found : _obligations[key] = new Obligation();
        var newer = signal.NewVersion != obligation.MaxVersion ? signal.NewVersion > obligation.MaxVersion : signal.OwnerEpoch > obligation.MaxEpoch;
        if (signal.Kind == SignalKind.Reclaim)
        {
            // Only a reclaim newer, by (version, owner epoch), than every signal this process got for the key obliges it:
            // a late or repeated one describes an epoch the process may have read past since.
            if (newer)
            {
                obligation.ReclaimPending = true;
                obligation.ReclaimVersion = signal.NewVersion;
            }
        }
        else
        {
            obligation.Version = Math.Max(obligation.Version, signal.NewVersion);
        }

        if (newer)
        {
            obligation.MaxVersion = signal.NewVersion;
            obligation.MaxEpoch = signal.OwnerEpoch;
        }
    }

    /// <summary>An agent's read reached the store and was answered: its copy of the key is now as of the current epoch.</summary>
    public void ReadFromStore(AgentId agent, ArtifactKey key)
    {
        if (_slotByName.TryGetValue(agent.Value, out var slot) && _obligations.TryGetValue((slot.Process, key.Name), out var obligation))
        {
            obligation.ReclaimPending = false;
        }
    }

    // NoStaleHitAfterDelivery: a signal delivered to this process forbids hits from the copies it invalidated.
    private void CheckHit(SimSlot slot, SimulatedArtifact artifact, long served)
    {
        if (!_obligations.TryGetValue((slot.Process, artifact.Name), out var obligation))
        {
            return;
        }

        if (served < obligation.Version)
        {
            throw Violation("NoStaleHitAfterDelivery", $"{slot.Name} served v{served} of '{artifact.Name}' from its cache after a signal for v{obligation.Version} was delivered to it.");
        }

        if (obligation.ReclaimPending && served <= obligation.ReclaimVersion)
        {
            throw Violation("NoStaleHitAfterDelivery", $"{slot.Name} served v{served} of '{artifact.Name}' from its cache after a reclaim at v{obligation.ReclaimVersion} was delivered to it, without reading it again.");
        }
    }

    // SignalsPublished: once the client says a write landed, the invalidations the store named for it are on the bus.
    private void CheckSignalled(SimSlot slot, SimulatedArtifact artifact, string nonce)
    {
        Drain();
        foreach (var signal in _signalsOfWrite.GetValueOrDefault(nonce) ?? [])
        {
            if (!_published.Contains(signal))
            {
                throw Violation("SignalsPublished", $"{slot.Name}'s write {nonce} landed as v{signal.NewVersion} of '{artifact.Name}' and the client reported it, but never published its signal to {signal.Recipient}.");
            }
        }
    }

    private void CheckRecords()
    {
        foreach (var artifact in _workload.Artifacts)
        {
            var record = Snapshot(Key(artifact));
            if (record is null)
            {
                continue;
            }

            if (InvariantChecker.CheckRecord(record) is { } problem)
            {
                throw Violation(problem.Split(' ', 2)[0], problem);
            }

            var last = _lastVersion.GetValueOrDefault(artifact.Name);
            if (record.Version < last)
            {
                throw Violation("MonotonicVersion", $"'{artifact.Name}' went back from v{last} to v{record.Version}.");
            }

            _lastVersion[artifact.Name] = record.Version;
            var applied = _ledger.GetValueOrDefault(artifact.Name)?.Count ?? 0;
            if (applied != record.Version)
            {
                throw Violation("ContiguousVersions", $"'{artifact.Name}' is at v{record.Version} but {applied} writes were applied.");
            }
        }
    }

    private void Staleness(SimulatedArtifact artifact, long served)
    {
        var current = Snapshot(Key(artifact))?.Version ?? 0;
        if (served >= current)
        {
            return;
        }

        _staleReads++;
        var superseded = _ledger.TryGetValue(artifact.Name, out var ledger) && served < ledger.Count ? ledger[(int)served].Tick : Tick;
        var behind = Tick - superseded;
        _staleTicks += behind;
        _maxStale = Math.Max(_maxStale, behind);
    }

    public DirectoryRecord? Snapshot(ArtifactKey key) => Await(_inner.InspectAsync(key));

    /// <summary>Throws a store fault when the store is out; counts it.</summary>
    public void Gate(string operation)
    {
        if (InOutage)
        {
            StoreFailures++;
            throw new TimeoutException($"Simulated store outage: {operation} got no answer.");
        }
    }

    public bool Partitioned(int sender, string recipient) =>
        Tick < _partitionUntil
        && _slotByProcess.TryGetValue(sender, out var from)
        && _slotByName.TryGetValue(recipient, out var to)
        && from.Group != to.Group;

    public SimProcessState RecipientState(string agent) =>
        _slotByName.TryGetValue(agent, out var slot) ? slot.State : SimProcessState.Crashed;

    public int? CurrentProcessOf(string agent) => _slotByName.TryGetValue(agent, out var slot) ? slot.Process : null;

    public void Drain() => _context.Drain();

    public void Await(ValueTask task)
    {
        if (!task.IsCompleted)
        {
            Drain();
        }

        if (!task.IsCompleted)
        {
            throw new InvalidOperationException("A simulated operation did not complete on the run's thread: the store or a component is asynchronous, so the run would not be deterministic.");
        }

        task.GetAwaiter().GetResult();
    }

    public T Await<T>(ValueTask<T> task)
    {
        if (!task.IsCompleted)
        {
            Drain();
        }

        if (!task.IsCompleted)
        {
            throw new InvalidOperationException("A simulated operation did not complete on the run's thread: the store or a component is asynchronous, so the run would not be deterministic.");
        }

        return task.GetAwaiter().GetResult();
    }

    private InvariantViolationException Violation(string invariant, string message)
    {
        _violation ??= new InvariantViolation(invariant, _settings.Seed, Tick, Step, message, Reproduce());
        return new InvariantViolationException(message);
    }

    private string Reproduce()
    {
        var faults = Faults == SimulationFaults.All ? " --faults all" : Faults.Any ? " --faults <as run>" : string.Empty;
        var store = _settings.StoreName is { } name ? " --store " + name : string.Empty;
        return FormattableString.Invariant($"coherence simulate run --workload {_workload.Name} --strategy {_settings.Strategy.ToString().ToLowerInvariant()} --seed {_settings.Seed}{faults}{store}");
    }

    private void Refused(CoherenceException refused)
    {
        Log($"refused {refused.Reason} on {refused.Key.Name} (current v{refused.CurrentVersion})");
        var reason = refused.Reason.ToString();
        _refusals[reason] = _refusals.GetValueOrDefault(reason) + 1;
    }

    private string Nonce(SimSlot slot) => FormattableString.Invariant($"{slot.Name}#{++_writeCounter}");

    private string Content(SimSlot slot, SimulatedArtifact artifact, long baseVersion, string nonce) =>
        FormattableString.Invariant($"{_artifactIndex[artifact.Name]}|{slot.Name}|{baseVersion}|{nonce}");

    private SimulatedArtifact Artifact(string name) => _workload.Artifacts[_artifactIndex[name]];

    private static ArtifactKey Key(SimulatedArtifact artifact) => new(ArtifactKey.DefaultNamespace, artifact.Name);

    private SimulationResult Result(int ticksRun, InvariantViolation? violation)
    {
        long reads = 0, hits = 0, misses = 0, fetched = 0, written = 0, signals = 0, signalTokens = 0, total = 0;
        foreach (var agent in _everyAgent)
        {
            var s = agent.Stats;
            reads += s.Reads;
            hits += s.Hits;
            misses += s.Misses;
            fetched += s.TokensFetched;
            written += s.TokensWritten;
            signals += s.SignalsReceived;
            signalTokens += s.SignalTokens;
            total += s.TokensTotal;
        }

        long broadcast = 0;
        foreach (var slot in _slots)
        {
            broadcast += (long)ticksRun * slot.Artifacts.Sum(a => (long)a.SizeTokens);
        }

        var sync = fetched + signalTokens;
        var measures = new SimulationMeasures
        {
            Operations = Step,
            Reads = reads,
            Hits = hits,
            Misses = misses,
            HitRate = reads == 0 ? 0 : (double)hits / reads,
            Writes = _acked,
            WritesApplied = _appliedWrites,
            TokensFetched = fetched,
            TokensWritten = written,
            SignalsPublished = _network.Published,
            SignalsApplied = signals,
            SignalTokens = signalTokens,
            CoherentTokens = total,
            SyncTokens = sync,
            NoCoherenceTokens = _noCoherence,
            BroadcastTokens = broadcast,
            SavingsVsBroadcast = Savings(sync, broadcast),
            RefetchTokens = _refetched,
            SavingsVsBroadcastAsPaper = Savings(sync - _refetched, broadcast),
            SavingsVsBroadcastFull = Savings(total, broadcast + written),
            SavingsVsNoCoherence = Savings(total, _noCoherence),
            LowerBound = _workload.TheoremLowerBound(),
            Refusals = new SortedDictionary<string, long>(_refusals, StringComparer.Ordinal),
            Retries = _retries,
            StoreFailures = StoreFailures,
            StaleReads = _staleReads,
            StaleTicks = _staleTicks,
            MaxStaleTicks = _maxStale,
            Reclaims = Reclaims,
        };

        return new SimulationResult
        {
            Workload = _workload.Name,
            Strategy = _settings.Strategy.ToString(),
            Seed = _settings.Seed,
            Ticks = ticksRun,
            Agents = _slots.Count,
            Measures = measures,
            Faults = Counts.ToCounts(),
            Violation = violation,
        };
    }

    private static double Savings(long cost, long baseline) => baseline == 0 ? 0 : Math.Round(1 - ((double)cost / baseline), 6);
}

/// <summary>The run's mutable fault counters.</summary>
internal sealed class FaultTally
{
    public long Crashes, Restarts, Stalls, SignalsLost, SignalsDuplicated, SignalsDelayed, Reorderings, Partitions, SignalsPartitioned, StoreOutages, RepliesLost, OutcomesUnknown;

    public FaultCounts ToCounts() => new()
    {
        Crashes = Crashes,
        Restarts = Restarts,
        Stalls = Stalls,
        SignalsLost = SignalsLost,
        SignalsDuplicated = SignalsDuplicated,
        SignalsDelayed = SignalsDelayed,
        Reorderings = Reorderings,
        Partitions = Partitions,
        SignalsPartitioned = SignalsPartitioned,
        StoreOutages = StoreOutages,
        RepliesLost = RepliesLost,
        OutcomesUnknown = OutcomesUnknown,
    };
}

/// <summary>Content sizes as the workload declares them: a simulated content starts with its artifact's index.</summary>
internal sealed class SimTokenCounter(IReadOnlyList<SimulatedArtifact> artifacts) : ITokenCounter
{
    public int CountTokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var bar = text.IndexOf('|', StringComparison.Ordinal);
        return bar > 0 && int.TryParse(text.AsSpan(0, bar), NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < artifacts.Count
            ? artifacts[index].SizeTokens
            : Math.Max(1, text.Length / 4);
    }
}

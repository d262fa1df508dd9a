using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using AgentCoherence.Protocol;

namespace AgentCoherence.ModelChecking.ClientModel;

/// <summary>
/// One run of the real client: two <see cref="CoherentAgent"/>s, each in its own <see cref="CoherenceClient"/>
/// (two processes), over a <see cref="ControlledStore"/> wrapping a real <see cref="InMemoryDirectoryStore"/>
/// and a <see cref="ControlledBus"/>. Nothing moves unless <see cref="Run"/> takes a step; every continuation
/// runs inline on the caller's thread, so after each step every piece of client code is waiting on a held
/// store call or done, and the same steps from a fresh world reproduce the same states.
/// </summary>
internal sealed class ClientWorld
{
    public static readonly ArtifactKey Key = new("model", "doc");

    private static readonly CoherenceDiagnostics Diagnostics = new();
    private static readonly TimeSpan HeartbeatTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan LeaseTtl = TimeSpan.FromMinutes(1);

    private readonly ClientScenario _scenario;
    private readonly ManualClock _clock = new();
    private readonly InMemoryDirectoryStore _real;
    private readonly ControlledStore _store;
    private readonly ControlledBus _bus = new();
    private readonly AgentRun[] _agents;
    private readonly Dictionary<OperationId, AgentId> _recorded = [];
    private readonly List<(ClientInvariant Invariant, string Message)> _violations = [];
    private readonly bool _ready;
    private Chain? _issuing;
    private int _sweeps, _ticks, _forgets;

    public ClientWorld(ClientScenario scenario)
    {
        _scenario = scenario;
        _real = new InMemoryDirectoryStore(_clock);

        // The artifact exists at v1, written by an agent that then left: nobody holds a view.
        var setup = new AgentId("setup");
        _real.RegisterAgentAsync(setup).GetAwaiter().GetResult();
        _ = _real.CommitCasAsync(setup, Key, ContentPayload.Create("v1 by setup"u8, 4), 0, OperationId.New()).Result;
        _ = _real.ForgetAsync(setup).Result;

        _store = new ControlledStore(_real);
        _store.Issued += OnIssued;
        _store.Registered += OnRegistered;
        _bus.Published += OnPublished;

        var options = new CoherenceOptions
        {
            DefaultNamespace = Key.Namespace,
            CrashRecovery = { Enabled = false, HeartbeatTimeout = HeartbeatTimeout, PruneSilentAfter = null },
            StoreRetry = { BaseDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero },
            Update = { MaxRetries = scenario.Bounds.UpdateRetries, BaseDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero },
            Cache = { Strategy = scenario.Strategy, LeaseTtl = LeaseTtl, AccessCount = 1 },
        };

        _agents = [Create("a", scenario.ScriptA), Create("b", scenario.ScriptB)];
        foreach (var agent in _agents)
        {
            // Registers and subscribes; every store call on this path passes straight through.
            if (!agent.Agent.HeartbeatAsync().IsCompletedSuccessfully)
            {
                throw new InvalidOperationException("An agent did not start synchronously.");
            }
        }

        _ready = true;

        AgentRun Create(string name, ScriptStep[] script)
        {
            var client = new CoherenceClient(_store, _bus, options, _clock, NullLoggerFactory.Instance, LengthTokenCounter.Instance, Diagnostics)
            {
                Guards = scenario.Guards,
                YieldBeforeRefresh = false,
            };
            return new AgentRun(name, client, client.Agent(name, new AgentOptions { SendHeartbeats = false }), script);
        }
    }

    /// <summary>Corners this world reached (a lost reply of a landed write, a reclaim, a fetch stored invalid, ...), so "no violation" can be told from "never got there".</summary>
    public HashSet<string> Coverage { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Replaying a path already checked: steps keep the state exactly as they would, but write no labels,
    /// record no coverage and run no checks (the explorer ran them when it took the path first).
    /// </summary>
    public bool Quiet { get; set; }

    /// <summary>What the last step did, for counterexamples.</summary>
    public string LastLabel { get; private set; } = string.Empty;

    /// <summary>The steps enabled now, in a fixed order.</summary>
    public List<ClientStep> EnabledSteps()
    {
        var steps = new List<ClientStep>();
        var bounds = _scenario.Bounds;
        for (var i = 0; i < _agents.Length; i++)
        {
            if (_agents[i].Operation is null && _agents[i].Next < _agents[i].Script.Length)
            {
                steps.Add(new ClientStep(StepKind.Start, i));
            }
        }

        foreach (var call in _store.Held)
        {
            var canLose = call.Chain!.Losses < bounds.Losses;
            if (!call.Applied)
            {
                steps.Add(new ClientStep(StepKind.Apply, call.Number));
                if (canLose && bounds.LoseRequests && call.IsWrite)
                {
                    steps.Add(new ClientStep(StepKind.LoseRequest, call.Number));
                }
            }
            else
            {
                steps.Add(new ClientStep(StepKind.Reply, call.Number));
                if (canLose && (call.IsWrite || bounds.LoseReadReplies))
                {
                    steps.Add(new ClientStep(StepKind.LoseReply, call.Number));
                }
            }
        }

        foreach (var (number, _) in _bus.Queued)
        {
            steps.Add(new ClientStep(StepKind.Deliver, number));
        }

        if (_sweeps < bounds.Sweeps && Record().Holders.Values.Any(h => h.State.HoldsGrant()))
        {
            steps.Add(new ClientStep(StepKind.Sweep, 0));
        }

        if (_scenario.Strategy == CacheStrategy.Lease && _ticks < bounds.LeaseTicks)
        {
            steps.Add(new ClientStep(StepKind.Tick, 0));
        }

        if (_forgets < bounds.Forgets)
        {
            for (var i = 0; i < _agents.Length; i++)
            {
                var idle = _agents[i].Operation is null && _agents[i].Refreshes.Count == 0;
                if (!_agents[i].Forgotten && (idle || bounds.ForgetMidOperation))
                {
                    steps.Add(new ClientStep(StepKind.Forget, i));
                }
            }
        }

        return steps;
    }

    /// <summary>The step's canonical name in this state (see <see cref="StepId"/>).</summary>
    public StepId IdOf(ClientStep step)
    {
        switch (step.Kind)
        {
            case StepKind.Start:
                return new StepId(step.Kind, step.Target, 0);
            case StepKind.Forget:
                return new StepId(step.Kind, step.Target, 0, StoreEffect.Forget);
            case StepKind.Apply:
            case StepKind.Reply:
            case StepKind.LoseReply:
            case StepKind.LoseRequest:
            {
                // A chain holds one call at a time: the chain names the call. Refreshes are named by what they did.
                var call = _store.Find(step.Target);
                var chain = call.Chain!;
                ulong detail = 0;
                if (chain.Step is null)
                {
                    var writer = StateWriter.ForHash();
                    WriteChain(writer, chain);
                    detail = (ulong)writer.Hash();
                }

                var store = step.Kind != StepKind.Apply ? StoreEffect.None : call.Operation switch
                {
                    "Read" => StoreEffect.Read,
                    "Acquire" => StoreEffect.Acquire,
                    "Release" => StoreEffect.Release,
                    _ => StoreEffect.Write,
                };
                return new StepId(step.Kind, Array.IndexOf(_agents, chain.Agent), detail, store);
            }

            case StepKind.Deliver:
            {
                var signal = _bus.Queued.Find(q => q.Number == step.Target).Signal;
                var writer = StateWriter.ForHash();
                WriteSignal(writer, signal);

                // Equal signals queued twice are told apart by their order among equals.
                writer.Add(_bus.Queued.TakeWhile(q => q.Number != step.Target).Count(q => q.Signal == signal));
                return new StepId(step.Kind, Array.FindIndex(_agents, a => a.Id == signal.Recipient), (ulong)writer.Hash());
            }

            case StepKind.Sweep:
                return new StepId(step.Kind, -1, 0, StoreEffect.Sweep);
            default:
                return new StepId(step.Kind, -1, 0);
        }
    }

    /// <summary>True when every script ran to its end and nothing is held.</summary>
    public bool Finished => _agents.All(a => a.Operation is null && a.Next == a.Script.Length) && _store.Held.Count == 0;

    /// <summary>Takes one step and returns the invariants it broke (checked on the step and on the state it reached).</summary>
    public IReadOnlyList<(ClientInvariant Invariant, string Message)> Run(ClientStep step)
    {
        _violations.Clear();
        switch (step.Kind)
        {
            case StepKind.Start:
                Start(_agents[step.Target]);
                break;
            case StepKind.Apply:
                Apply(_store.Find(step.Target));
                break;
            case StepKind.Reply:
            case StepKind.LoseReply:
            case StepKind.LoseRequest:
                Answer(_store.Find(step.Target), step.Kind);
                break;
            case StepKind.Deliver:
                Deliver(step.Target);
                break;
            case StepKind.Sweep:
                Sweep();
                break;
            case StepKind.Tick:
                _ticks++;
                _clock.Advance(LeaseTtl);
                if (!Quiet)
                {
                    LastLabel = $"clock +{LeaseTtl.TotalMinutes} min (lease expires)";
                }

                break;
            case StepKind.Forget:
                Forget(_agents[step.Target]);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(step));
        }

        foreach (var agent in _agents)
        {
            if (agent.Operation is { Task.IsCompleted: true } done)
            {
                Finish(agent, done);
            }

            agent.Refreshes.RemoveAll(r => !_store.Held.Exists(c => c.Chain == r));
        }

        if (!Quiet)
        {
            CheckCaches();
        }

        return [.. _violations];
    }

    /// <summary>Everything that decides what can happen next and what the checks say, as 128 bits.</summary>
    public UInt128 StateHash()
    {
        var writer = StateWriter.ForHash();
        Write(writer);
        return writer.Hash();
    }

    /// <summary>The state as text (what <see cref="StateHash"/> hashes).</summary>
    public string Describe()
    {
        var writer = StateWriter.ForText();
        Write(writer);
        return writer.ToString();
    }

    /// <summary>
    /// The state: the store's record, the queued signals, and per agent its script position, each chain's
    /// history and held call, its cache entry and signal mark, and what the checks track. Left out because
    /// nothing depends on them: issue numbers and operation ids (a held write says whether the store recorded
    /// its id), and times (every grant is reclaimed at any sweep, heartbeats being off, and a lease's
    /// freshness is in the cache's hit flag: any step of the clock expires it).
    /// </summary>
    private void Write(StateWriter w)
    {
        var record = Record();
        w.Add("sweeps=", _sweeps).Add(" ticks=", _ticks).Add(" forgets=", _forgets).Add(" | v", record.Version).Add(" e", record.OwnerEpoch);
        foreach (var (agent, entry) in record.Holders.OrderBy(h => h.Key.Value, StringComparer.Ordinal))
        {
            w.Add(" ").Add(agent.Value).Add(":").Add(entry.State.ToString()).Add(" view=", entry.ViewVersion).Add(" read=", entry.ReadEpoch ?? -1);
        }

        w.Add(" | bus:");
        foreach (var (_, signal) in _bus.Queued.OrderBy(q => q.Signal, SignalOrder.Instance))
        {
            WriteSignal(w.Add(" "), signal);
        }

        foreach (var agent in _agents)
        {
            w.Add(" || ").Add(agent.Name).Add(": next=", agent.Next).Add(" last-read=", agent.LastRead ?? -1).Add(agent.Forgotten ? " forgotten" : string.Empty);
            if (agent.Operation is { } op)
            {
                WriteChain(w.Add(" op="), op);
            }

            if (agent.Refreshes.Count == 1)
            {
                WriteChain(w.Add(" refresh="), agent.Refreshes[0]);
            }
            else
            {
                foreach (var refresh in agent.Refreshes.Select(r => { var t = StateWriter.ForText(); WriteChain(t, r); return t.ToString(); }).Order(StringComparer.Ordinal))
                {
                    w.Add(" refresh=").Add(refresh);
                }
            }

            var cache = agent.Agent.Cache.Inspect(Key);
            if (cache.View is { } view)
            {
                w.Add(" cache=v", view.Version).Add(" valid=").Add(cache.Valid).Add(" hits=").Add(cache.Hits).Add(" epoch=", cache.OwnerEpoch).Add(" served=", cache.HitsSinceValidation);
            }
            else
            {
                w.Add(" cache=none");
            }

            w.Add(" mark=v", cache.SignalledVersion).Add(" e", cache.SignalledEpoch).Add(" k", cache.SignalledKinds);
            w.Add(" delivered=");
            foreach (var (kind, version, epoch) in agent.Delivered.Select(d => (d.Kind, d.NewVersion, d.OwnerEpoch)).Distinct().Order())
            {
                w.Add(kind.ToString()).Add(":v", version).Add(":e", epoch).Add(",");
            }

            w.Add(" own=");
            foreach (var (version, epoch) in agent.OwnVersions.OrderBy(p => p.Key))
            {
                w.Add("v", version).Add("@e", epoch).Add(",");
            }
        }
    }

    private static void WriteSignal(StateWriter w, InvalidationSignal s) =>
        w.Add(s.Kind.ToString()).Add(":v", s.NewVersion).Add(":e", s.OwnerEpoch).Add(":").Add(s.Issuer.Value).Add("->").Add(s.Recipient.Value);

    private void WriteChain(StateWriter w, Chain chain)
    {
        w.Add(chain.Step?.ToString() ?? "refresh").Add("[");
        foreach (var entry in chain.History)
        {
            w.Add(entry).Add(" ; ");
        }

        w.Add("] lost=", chain.Losses).Add(" landed=");
        foreach (var (version, epoch) in chain.Landed)
        {
            w.Add("v", version).Add("@e", epoch).Add(",");
        }

        w.Add(" owed=");
        foreach (var signal in chain.Owed.Order(SignalOrder.Instance))
        {
            WriteSignal(w, signal);
            w.Add(",");
        }

        w.Add(" base=", chain.Baseline ?? -1).Add(chain.Forgotten ? " forgotten" : string.Empty);
        if (_store.Held.Find(c => c.Chain == chain) is { } held)
        {
            w.Add(" held=").Add(held.Describe()).Add(held.Applied ? " applied:" + held.DescribeResult() : " sent");
            if (held.IsWrite && _recorded.ContainsKey(held.Id))
            {
                w.Add(" (id recorded)");
            }
        }
    }

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private DirectoryRecord Record() =>
        _real.InspectAsync(Key).Result ?? throw new InvalidOperationException("The artifact's record is gone.");

    private long? ReadEpochOf(AgentRun agent) =>
        Record().Holders.TryGetValue(agent.Id, out var entry) ? entry.ReadEpoch : null;

    private void Violate(ClientInvariant invariant, string message) => _violations.Add((invariant, message));

    private void Cover(string corner)
    {
        if (!Quiet)
        {
            Coverage.Add(corner);
        }
    }

    private void Start(AgentRun agent)
    {
        var step = agent.Script[agent.Next++];
        var op = new Chain(agent, step, ++agent.OperationsStarted);
        agent.Operation = op;
        if (step == ScriptStep.Cas)
        {
            op.Baseline = ReadEpochOf(agent);
        }

        if (!Quiet)
        {
            LastLabel = $"{agent.Name} starts {step}" + (step == ScriptStep.Cas ? Inv($" (expected {agent.LastRead ?? 0})") : string.Empty);
        }

        _issuing = op;
        try
        {
            op.Task = RunScriptAsync(agent, op, step);
        }
        finally
        {
            _issuing = null;
        }
    }

    private async Task<ArtifactView> RunScriptAsync(AgentRun run, Chain op, ScriptStep step)
    {
        var agent = run.Agent;
        string Content(long basedOn) => Inv($"{run.Name}{op.Number} from v{basedOn}");
        switch (step)
        {
            case ScriptStep.Read:
            {
                var view = await agent.ReadAsync(Key).ConfigureAwait(false);
                run.LastRead = view.Version;
                return view;
            }

            case ScriptStep.Cas:
            {
                var expected = run.LastRead ?? 0;
                return await agent.WriteCasAsync(Key, Content(expected), expected).ConfigureAwait(false);
            }

            case ScriptStep.Update:
                return await agent.UpdateAsync(Key, current =>
                {
                    // The caller derives its write here: the epoch its view stands on is the agent's read epoch now.
                    op.Baseline = ReadEpochOf(run);
                    return Content(current?.Version ?? 0);
                }).ConfigureAwait(false);

            case ScriptStep.Write:
                try
                {
                    return await agent.WriteAsync(Key, Content(run.LastRead ?? 0)).ConfigureAwait(false);
                }
                catch (CoherenceException refused) when (refused is StaleViewException or StaleEpochException)
                {
                    var view = await agent.ReacquireAsync(Key).ConfigureAwait(false);
                    run.LastRead = view.Version;
                    return await agent.WriteAsync(Key, Content(view.Version)).ConfigureAwait(false);
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(step));
        }
    }

    private void OnIssued(StoreCall call)
    {
        var agent = _agents.Single(a => a.Id == call.Agent);
        var chain = _issuing;
        if (chain is null)
        {
            // Only a delivered signal starts client code outside a chain: an eager refresh.
            chain = new Chain(agent, null, ++agent.RefreshesStarted);
            Cover("an eager refresh fetched a signalled version");

            agent.Refreshes.Add(chain);
        }
        else if (chain.Agent != agent)
        {
            throw new InvalidOperationException($"{chain.Name} issued a call as {call.Agent}.");
        }

        if (_store.Held.Exists(c => c.Chain == chain))
        {
            throw new InvalidOperationException($"{chain.Name} holds two calls at once.");
        }

        call.Chain = chain;
        chain.Calls++;
    }

    private void OnRegistered(AgentId id)
    {
        if (!_ready)
        {
            return;
        }

        var agent = _agents.Single(a => a.Id == id);
        Cover("an agent registered again");

        agent.Forgotten = false;
    }

    private void OnPublished(InvalidationSignal signal)
    {
        foreach (var agent in _agents)
        {
            if (agent.Operation is { } op && op.Owed.Remove(signal))
            {
                return;
            }
        }
    }

    private void Apply(StoreCall call)
    {
        var chain = call.Chain!;
        var agent = chain.Agent;
        var replayed = call.IsWrite && _recorded.ContainsKey(call.Id);
        var epoch = Record().OwnerEpoch;
        call.Apply();
        if (!Quiet)
        {
            LastLabel = $"apply {chain.Name} {call.Describe()} -> {call.DescribeResult()}{(replayed ? " (recorded result)" : string.Empty)}";
        }

        if (call.EffectFailure is { } failure)
        {
            Violate(ClientInvariant.StoreInvariant, $"{call.Describe()} of {chain.Name} threw {failure.GetType().Name}: {failure.Message}");
            return;
        }

        var succeeded = call.Result switch
        {
            WriteResult write => write.Succeeded,
            bool released => released,
            _ => false,
        };
        switch (call.Result)
        {
            case WriteResult { Refusal: { } refusal }:
                Cover($"{call.Operation} refused {refusal.Reason}");

                break;
            case ReadResult { Refusal: null, ContentIncluded: false }:
                Cover("read re-validated (no content)");

                break;
        }

        if (replayed && succeeded)
        {
            Cover("a write retried with its id got its recorded result");
            Cover($"{call.Operation} retried with its id got its recorded result");
        }

        if (!call.IsWrite || !succeeded || replayed)
        {
            return;
        }

        // The store records a write's id with its success (CoherenceRules.Remember): a retry replays it.
        _recorded[call.Id] = call.Agent;
        if (call.Operation == "Acquire" && chain.Step is not null)
        {
            chain.Baseline = Record().OwnerEpoch;
        }

        if (!call.IsContentWrite)
        {
            return;
        }

        var result = (WriteResult)call.Result!;
        if (chain.Step is null)
        {
            throw new InvalidOperationException($"A refresh wrote: {LastLabel}.");
        }

        if (chain.Landed.Count > 0)
        {
            Violate(ClientInvariant.NoDoubleApply, $"{chain.Name} is applied a second time: v{chain.Landed[0].Version} and now v{result.Version}");
        }

        if (chain.Baseline is { } baseline && !chain.Forgotten && epoch != baseline)
        {
            Violate(ClientInvariant.NoStaleApply, $"{chain.Name} landed v{result.Version} at owner epoch {epoch}, but its caller derived it at epoch {baseline}");
        }

        chain.Landed.Add((result.Version, epoch));
        chain.Owed.AddRange(result.Signals);
        agent.OwnVersions[result.Version] = epoch;
    }

    private void Answer(StoreCall call, StepKind kind)
    {
        var chain = call.Chain!;
        _store.Held.Remove(call);
        switch (kind)
        {
            case StepKind.Reply:
                chain.History.Add($"{call.Describe()}: {call.DescribeResult()}");
                if (!Quiet)
                {
                    LastLabel = $"reply to {chain.Name} {call.Describe()}: {call.DescribeResult()}";
                }

                break;
            case StepKind.LoseReply:
                if (call.IsContentWrite && call.Result is WriteResult { Succeeded: true })
                {
                    Cover("the reply of a landed write was lost");
                }

                chain.History.Add($"{call.Describe()}: reply lost");
                if (!Quiet)
                {
                    LastLabel = $"lose the reply to {chain.Name} {call.Describe()} (it was {call.DescribeResult()})";
                }

                chain.Losses++;
                break;
            default:
                chain.History.Add($"{call.Describe()}: request lost");
                if (!Quiet)
                {
                    LastLabel = $"lose {chain.Name}'s request {call.Describe()} before the store sees it";
                }

                chain.Losses++;
                break;
        }

        _issuing = chain;
        try
        {
            if (kind == StepKind.Reply)
            {
                call.Reply();
                if (call.Result is ReadResult { Refusal: null, ContentIncluded: true } read
                    && chain.Agent.Agent.Cache.Inspect(Key) is { View: { } view, Valid: false } && view.Version == read.Version)
                {
                    Cover("a fetched view was stored invalid (a newer signal arrived meanwhile)");
                }
            }
            else
            {
                call.Lose(new OutcomeUnknownException(Key, call.Operation, new IOException(kind == StepKind.LoseReply ? "reply lost" : "request lost"), call.Id));
            }
        }
        finally
        {
            _issuing = null;
        }
    }

    private void Deliver(int number)
    {
        var queued = _bus.Queued.Find(q => q.Number == number).Signal;
        var agent = _agents.Single(a => a.Id == queued.Recipient);
        var before = agent.Agent.Stats.SignalsReceived;
        var signal = _bus.Deliver(number);
        var applied = agent.Agent.Stats.SignalsReceived > before;
        if (!Quiet)
        {
            LastLabel = $"deliver {StoreCall.Describe(signal)} ({(applied ? "applied" : "dropped")})";
        }

        Cover(applied ? $"{signal.Kind} signal applied" : "a signal dropped as a duplicate or older");

        var seen = agent.Delivered;
        var duplicate = seen.Exists(d => d.Kind == signal.Kind && d.NewVersion == signal.NewVersion && d.OwnerEpoch == signal.OwnerEpoch);
        var older = seen.Exists(d => d.NewVersion > signal.NewVersion || (d.NewVersion == signal.NewVersion && d.OwnerEpoch > signal.OwnerEpoch));
        if (!applied && !duplicate && !older)
        {
            Violate(ClientInvariant.SignalIdentity, $"{agent.Name} dropped {StoreCall.Describe(signal)} as a duplicate; it had seen only [{string.Join(", ", seen.Select(StoreCall.Describe))}]");
        }
        else if (applied && (duplicate || older))
        {
            Violate(ClientInvariant.SignalIdentity, $"{agent.Name} applied {StoreCall.Describe(signal)} after [{string.Join(", ", seen.Select(StoreCall.Describe))}]");
        }

        seen.Add(signal);
    }

    private void Sweep()
    {
        _sweeps++;
        _clock.Advance(HeartbeatTimeout);
        var sweep = _agents[0].Client.SweepAsync().AsTask();
        if (!sweep.IsCompletedSuccessfully)
        {
            throw new InvalidOperationException("The sweep did not complete synchronously.", sweep.Exception);
        }

        var result = sweep.Result;
        if (!Quiet)
        {
            LastLabel = $"clock +{HeartbeatTimeout.TotalMinutes} min, sweep: " +
                (result.Reclaimed.Count == 0 ? "nothing reclaimed" : string.Join(", ", result.Reclaimed.Select(r => Inv($"{r.Agent}'s grant reclaimed (epoch {r.Info.Epoch})"))));
        }

        if (result.Reclaimed.Count > 0)
        {
            Cover(result.Reclaimed[0].Info.Epoch >= 2 ? "a second reclaim" : "a reclaim");
        }

        foreach (var signal in result.Signals)
        {
            if (!_bus.Queued.Exists(q => q.Signal == signal))
            {
                Violate(ClientInvariant.SignalsPublished, $"the sweep's {StoreCall.Describe(signal)} is not on the bus");
            }
        }
    }

    private void Forget(AgentRun agent)
    {
        _forgets++;
        _ = _real.ForgetAsync(agent.Id).Result;
        agent.Forgotten = true;
        foreach (var id in _recorded.Where(r => r.Value == agent.Id).Select(r => r.Key).ToList())
        {
            _recorded.Remove(id);
        }

        if (agent.Operation is { } op)
        {
            op.Forgotten = true;
        }

        if (!Quiet)
        {
            LastLabel = $"the store forgets {agent.Name} (registration, views, grants, recorded operations)";
        }
    }

    private void Finish(AgentRun agent, Chain op)
    {
        agent.Operation = null;
        var task = op.Task!;
        var error = task.IsFaulted ? task.Exception!.InnerException! : task.IsCanceled ? new OperationCanceledException() : null;
        var view = error is null ? task.Result : null;
        if (!Quiet)
        {
            LastLabel += $"; {op.Name} " + (view is not null ? $"returns v{view.Version}" : $"throws {error!.GetType().Name}");
        }

        if (error is UnknownAgentException)
        {
            Violate(ClientInvariant.Reregistration, $"{op.Name} failed with UnknownAgentException: {error.Message}");
            return;
        }

        if (op.Step == ScriptStep.Read)
        {
            if (error is not null)
            {
                Violate(ClientInvariant.UnexpectedFailure, $"{op.Name} threw {error.GetType().Name}: {error.Message}");
            }
            else if (op.Calls == 0)
            {
                Cover("a read served from the cache");

                if (agent.HighestDelivered() is { } highest && view!.Version < highest.Version)
                {
                    Violate(ClientInvariant.CacheNotStale, $"{op.Name} was served v{view.Version} from the cache after a signal for v{highest.Version} was delivered");
                }
            }

            return;
        }

        var landed = op.Landed;
        switch (error)
        {
            case null when landed.Count == 0:
                Violate(ClientInvariant.NoDoubleApply, $"{op.Name} reported v{view!.Version} as landed, but the store applied none of its writes");
                break;
            case null when landed[^1].Version != view!.Version:
                Violate(ClientInvariant.NoDoubleApply, $"{op.Name} reported v{view.Version} as landed, but the store applied v{landed[^1].Version}");
                break;
            case null:
                Cover($"{op.Step} landed");

                break;
            case OutcomeUnknownException:
                Violate(ClientInvariant.LandedMeansLanded, $"{op.Name} ended with an unknown outcome inside the retry bound{(landed.Count > 0 ? $" although v{landed[0].Version} had landed" : string.Empty)}");
                break;
            case CoherenceException when landed.Count > 0:
                Violate(ClientInvariant.LandedMeansLanded, $"{op.Name} landed v{landed[0].Version} but threw {error.GetType().Name}: {error.Message}");
                break;
            case CoherenceException:
                break;
            default:
                Violate(ClientInvariant.UnexpectedFailure, $"{op.Name} threw {error.GetType().Name}: {error.Message}");
                break;
        }

        if (op.Owed.Count > 0)
        {
            Violate(ClientInvariant.SignalsPublished, $"{op.Name} returned without publishing [{string.Join(", ", op.Owed.Select(StoreCall.Describe))}] of the write that landed");
        }
    }

    private void CheckCaches()
    {
        foreach (var agent in _agents)
        {
            var cache = agent.Agent.Cache.Inspect(Key);
            if (!cache.Hits || cache.View is not { } view || agent.HighestDelivered() is not { } highest)
            {
                continue;
            }

            var epoch = cache.OwnerEpoch >= 0 ? cache.OwnerEpoch : agent.OwnVersions.GetValueOrDefault(view.Version, -1);
            if (view.Version < highest.Version || (view.Version == highest.Version && epoch >= 0 && epoch < highest.Epoch))
            {
                Violate(
                    ClientInvariant.CacheNotStale,
                    $"{agent.Name}'s cache would serve v{view.Version} (epoch {(epoch >= 0 ? epoch.ToString(CultureInfo.InvariantCulture) : "?")}) after a signal for v{highest.Version} at epoch {highest.Epoch} was delivered");
            }
        }
    }

    /// <summary>Tokens as a quarter of the characters: the model needs a count, not o200k_base.</summary>
    private sealed class LengthTokenCounter : ITokenCounter
    {
        public static readonly LengthTokenCounter Instance = new();

        public int CountTokens(string text) => (text?.Length ?? 0) / 4 + 1;
    }

    private sealed class SignalOrder : IComparer<InvalidationSignal>
    {
        public static readonly SignalOrder Instance = new();

        public int Compare(InvalidationSignal? x, InvalidationSignal? y)
        {
            ArgumentNullException.ThrowIfNull(x);
            ArgumentNullException.ThrowIfNull(y);
            var order = x.Kind.CompareTo(y.Kind);
            order = order != 0 ? order : x.NewVersion.CompareTo(y.NewVersion);
            order = order != 0 ? order : x.OwnerEpoch.CompareTo(y.OwnerEpoch);
            order = order != 0 ? order : string.CompareOrdinal(x.Issuer.Value, y.Issuer.Value);
            return order != 0 ? order : string.CompareOrdinal(x.Recipient.Value, y.Recipient.Value);
        }
    }
}

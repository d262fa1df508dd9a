using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using AgentCoherence.Internal;
using AgentCoherence.Protocol;
using AgentCoherence.Recording;
using AgentCoherence.Signals;

namespace AgentCoherence;

/// <summary>
/// One process's entry point: it hands out <see cref="CoherentAgent"/>s, subscribes once to the event
/// bus and dispatches each signal to its local recipient, and runs crash-recovery sweeps.
/// </summary>
/// <remarks>
/// The client is the only sweeper: unless <see cref="CrashRecoveryOptions.Enabled"/> is false it runs
/// <see cref="SweepAsync"/> every <see cref="CrashRecoveryOptions.SweepInterval"/> on a timer of
/// <see cref="Time"/>, however it was created (directly, <see cref="CreateInMemory"/>, or
/// <c>AddAgentCoherence</c> with or without a host). Every client of a shared store may sweep at once:
/// each sweep is one atomic step of the store and is idempotent (a grant already reclaimed is not held,
/// so a second sweep finds nothing to reclaim), and only the sweep that reclaimed a grant publishes its
/// reclaim signal. Give every client of one store the same crash-recovery thresholds: the shortest
/// heartbeat timeout among the sweepers is the one that applies.
/// </remarks>
/// <example>
/// <code>
/// await using var coherence = CoherenceClient.CreateInMemory();
/// await using var planner = coherence.Agent("planner");
/// await planner.WriteAsync("plans/plan.md", "# Plan\n1. research");
/// </code>
/// </example>
public sealed class CoherenceClient : IAsyncDisposable
{
    private readonly ConcurrentDictionary<AgentId, CoherentAgent> _agents = new();
    private readonly Lock _startGate = new();
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly bool _ownsDiagnostics;
    private readonly ITimer? _sweepTimer;
    private readonly StoreCalls _calls;
    private readonly Lock _recordGate = new();
    private volatile IDirectoryStore _directory;
    private volatile Recorder[]? _recorders;
    private Recorder? _configuredRecorder;
    private Task? _started;
    private IAsyncDisposable? _subscription;
    private int _sweeping;
    private bool _disposed;

    /// <summary>Creates a client over a store and a bus.</summary>
    /// <param name="store">The directory store (the authority).</param>
    /// <param name="bus">The signal bus.</param>
    /// <param name="options">Settings; validated here.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="loggerFactory">Logging; none when null.</param>
    /// <param name="tokenCounter">Counts content tokens; <c>o200k_base</c> when null.</param>
    /// <param name="diagnostics">Metrics; a standalone meter when null.</param>
    /// <remarks>
    /// The sweep timer starts here unless <see cref="CrashRecoveryOptions.Enabled"/> is false in
    /// <paramref name="options"/>; then, on a store other processes share
    /// (<see cref="IDirectoryStore.SharedAcrossProcesses"/>), a warning (event 2003) is logged once. A
    /// shared store with the in-process <see cref="InMemoryEventBus"/> logs a warning too (event 3005): no
    /// signal would reach the other processes. Nothing connects here; see <see cref="StartAsync"/>.
    /// </remarks>
    public CoherenceClient(
        IDirectoryStore store,
        IEventBus bus,
        CoherenceOptions? options = null,
        TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null,
        ITokenCounter? tokenCounter = null,
        CoherenceDiagnostics? diagnostics = null)
    {
        Store = store ?? throw new ArgumentNullException(nameof(store));
        _directory = store;
        Bus = bus ?? throw new ArgumentNullException(nameof(bus));
        Options = options ?? new CoherenceOptions();
        CoherenceOptionsValidator.ThrowIfInvalid(Options);
        Time = timeProvider ?? TimeProvider.System;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<CoherenceClient>();
        TokenCounter = tokenCounter ?? O200kTokenCounter.Instance;
        _ownsDiagnostics = diagnostics is null;
        Diagnostics = diagnostics ?? new CoherenceDiagnostics();

        // The client's own store calls (inspections) act for no agent: nothing to register, never UnknownAgent.
        _calls = new StoreCalls(this, AgentId.FromTrusted("#client"), _logger, _ => Task.CompletedTask);
        if (Options.CrashRecovery.Enabled)
        {
            var interval = Options.CrashRecovery.SweepInterval;
            _sweepTimer = Time.CreateTimer(_ => _ = SweepInBackgroundAsync(), null, interval, interval);
        }
        else if (Store.SharedAcrossProcesses)
        {
            Log.NoSweeperOnSharedStore(_logger, Store.GetType().Name);
        }

        if (Store.SharedAcrossProcesses && Bus is InMemoryEventBus)
        {
            Log.InProcessBusOnSharedStore(_logger, Store.GetType().Name);
        }

        if (Bus is ISignalGapSource gaps)
        {
            gaps.SignalsMayHaveBeenMissed += OnSignalsMayHaveBeenMissed;
        }
    }

    /// <summary>A client over a fresh in-memory store and bus: one process, no servers.</summary>
    public static CoherenceClient CreateInMemory(CoherenceOptions? options = null, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null) =>
        new(new InMemoryDirectoryStore(timeProvider), new InMemoryEventBus(), options, timeProvider, loggerFactory);

    /// <summary>The directory store.</summary>
    public IDirectoryStore Store { get; }

    /// <summary>The signal bus.</summary>
    public IEventBus Bus { get; }

    /// <summary>The validated settings.</summary>
    public CoherenceOptions Options { get; }

    /// <summary>The clock.</summary>
    public TimeProvider Time { get; }

    /// <summary>Counts content tokens.</summary>
    public ITokenCounter TokenCounter { get; }

    /// <summary>The metrics.</summary>
    public CoherenceDiagnostics Diagnostics { get; }

    /// <summary>The client's fault-handling fixes; all on except in the model checker's mutants. Read when an agent is created.</summary>
    internal ClientGuards Guards { get; set; } = ClientGuards.All;

    /// <summary>
    /// An eager agent fetches a signalled version after yielding, so the thread delivering the signal is not
    /// held by the fetch. The client model checker turns the yield off: it drives every continuation on its
    /// own thread, and a yield would hand the fetch to the thread pool.
    /// </summary>
    internal bool YieldBeforeRefresh { get; set; } = true;

    /// <summary>
    /// Observe mode (<see cref="CoherenceOptions.Mode"/> = <see cref="CoherenceMode.Observe"/>): raised for every write
    /// the store refused for coordination, before the client applies it anyway; on the thread of the write. A handler
    /// that throws is logged and does not stop the write. Never raised in enforce mode.
    /// </summary>
    public event EventHandler<WouldBeRefusal>? WouldBeRefused;

    /// <summary>True in observe mode.</summary>
    internal bool Observing => Options.Mode == CoherenceMode.Observe;

    /// <summary>Reports a would-be refusal: the Warning log, the metric and <see cref="WouldBeRefused"/>.</summary>
    internal void ReportWouldBeRefused(ILogger logger, AgentId agent, string operation, Refusal refusal)
    {
        Log.WouldBeRefused(
            logger,
            operation,
            agent.Value,
            refusal.Key.ToString(),
            refusal.Reason,
            refusal.CurrentVersion,
            refusal.CallerVersion?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-",
            refusal.Holder?.Value ?? "-");
        Diagnostics.WouldBeRefused.Add(
            1,
            new KeyValuePair<string, object?>("reason", refusal.Reason.ToSnakeCase()),
            new KeyValuePair<string, object?>("operation", operation));
        try
        {
            WouldBeRefused?.Invoke(this, new WouldBeRefusal(agent, refusal.Key, operation, refusal, Time.GetUtcNow()));
        }
        catch (Exception ex)
        {
            Log.WouldBeRefusedHandlerFailed(logger, ex, agent.Value);
        }
    }

    /// <summary>The agents alive in this client.</summary>
    public IReadOnlyCollection<CoherentAgent> Agents => (IReadOnlyCollection<CoherentAgent>)_agents.Values;

    /// <summary>A key in <see cref="CoherenceOptions.DefaultNamespace"/>.</summary>
    public ArtifactKey Key(string name) => new(Options.DefaultNamespace, name);

    /// <summary>
    /// Creates an agent. It registers with the store on its first operation and leaves (releasing its
    /// grants) when disposed.
    /// </summary>
    /// <exception cref="CoherenceArgumentException">The id is invalid, or an agent with this id is already alive in this client.</exception>
    public CoherentAgent Agent(string id, AgentOptions? options = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var agentId = new AgentId(id);
        var agent = new CoherentAgent(this, agentId, options ?? new AgentOptions(), _loggerFactory.CreateLogger<CoherentAgent>());
        if (!_agents.TryAdd(agentId, agent))
        {
            throw new CoherenceArgumentException("id", $"An agent named '{id}' is already alive in this client; dispose it first or pick another name.");
        }

        return agent;
    }

    /// <summary>
    /// Starts recording every operation of this client's agents at the store boundary into <paramref name="path"/>
    /// (a directory, created when missing), until the returned handle is disposed. See docs/recording.md.
    /// </summary>
    /// <param name="path">The directory; the client writes its own files in it, so several clients and processes can share it.</param>
    /// <param name="includeContent">Whether lines carry the content itself (base64); otherwise only its hash, size and tokens.</param>
    /// <returns>Disposing it stops this recording and flushes its file; the client's other recordings go on.</returns>
    /// <exception cref="RecordingUnavailableException">The directory or its first file cannot be created or written.</exception>
    public IAsyncDisposable RecordTo(string path, bool includeContent = false) =>
        RecordTo(new RecordingOptions { Path = path, IncludeContent = includeContent });

    /// <summary>
    /// Starts recording into <see cref="RecordingOptions.Path"/> with the given settings, until the returned handle is
    /// disposed. See <see cref="RecordTo(string, bool)"/>.
    /// </summary>
    /// <exception cref="CoherenceArgumentException"><see cref="RecordingOptions.MaxFileBytes"/> or <see cref="RecordingOptions.MaxQueuedLines"/> is not positive, or <see cref="RecordingOptions.WhenFull"/> is not a known value.</exception>
    /// <exception cref="RecordingUnavailableException">The path is empty, or the directory or its first file cannot be created or written.</exception>
    public IAsyncDisposable RecordTo(RecordingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var recorder = OpenRecorder(options, nameof(RecordTo));
        return new RecordingHandle(this, recorder);
    }

    /// <summary>
    /// Connects the store and the signal bus (<see cref="IDirectoryStore.ConnectAsync"/>,
    /// <see cref="IEventBus.ConnectAsync"/>) and subscribes to the bus, within
    /// <see cref="CoherenceOptions.StartTimeout"/> as measured by <see cref="Time"/>. Under
    /// <c>AddAgentCoherence</c> the host calls it when it starts, so a wrong address fails host start;
    /// otherwise the first operation of the first agent calls it, so no operation waits on an unreachable
    /// server for longer than the start timeout. Once it succeeded later calls return at once; after a
    /// failure the next call tries again.
    /// </summary>
    /// <param name="cancellationToken">Stops this caller's wait; the start itself goes on for others.</param>
    /// <exception cref="StoreUnavailableException">The store could not be reached in time; the message names the setting, the address and the cause.</exception>
    /// <exception cref="TransportUnavailableException">The bus could not be reached or subscribed to in time; the message names the setting, the address and the cause.</exception>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_startGate)
        {
            if (_started is { IsFaulted: true } or { IsCanceled: true })
            {
                _started = null;
            }

            return (_started ??= StartCoreAsync()).WaitAsync(cancellationToken);
        }
    }

    /// <summary>
    /// What the store records about an artifact now: its version, whether it is deleted, the owner epoch, the grant
    /// holder and every agent's view. Registers no view, registers no agent and changes nothing in the store: for
    /// status displays and for checks such as "did it move since I looked?". Work that depends on the content reads
    /// it through an agent (<see cref="CoherentAgent.ReadAsync(ArtifactKey, CancellationToken)"/>), which registers
    /// the view a later write is checked against.
    /// </summary>
    /// <param name="key">The artifact.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The status; for an artifact the store never heard of, an untracked status at version 0.</returns>
    /// <exception cref="StoreUnavailableException">The store stayed unreachable through the retries.</exception>
    public async ValueTask<ArtifactStatus> InspectAsync(ArtifactKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var record = await _calls.ReadAsync("Inspect", key, ct => Store.InspectAsync(key, ct), _ => false, cancellationToken).ConfigureAwait(false);
        return ArtifactStatus.From(key, record, includeContent: false);
    }

    /// <summary>
    /// Runs <paramref name="inspect"/> on the artifact's status, including the current version's bytes
    /// (<see cref="ArtifactStatus.Content"/>), inside one atomic step of the store that excludes every write on every
    /// host sharing the store, and returns what it returns. Nothing in the store changes. For work outside the store
    /// that must not interleave with a write's in-step effect (see
    /// <see cref="CoherentAgent.WriteCasAsync(ArtifactKey, string, long, Action{long}, CancellationToken)"/>): a file
    /// store puts back a file that a writer which died inside its step left ahead of the store.
    /// </summary>
    /// <remarks>
    /// Every other operation on the store waits while <paramref name="inspect"/> runs, so it must be short and must not
    /// call the store. When the store fails around the step, the call is retried and <paramref name="inspect"/> may
    /// run again: make it idempotent.
    /// </remarks>
    /// <typeparam name="T">What <paramref name="inspect"/> returns.</typeparam>
    /// <param name="key">The artifact.</param>
    /// <param name="inspect">Runs inside the step; what it throws reaches the caller unchanged.</param>
    /// <param name="cancellationToken">Honoured before the step starts.</param>
    /// <exception cref="NotSupportedException">The store cannot run code inside its steps (it does not implement <see cref="IAtomicEffectStore"/>; the Redis store, for one).</exception>
    /// <exception cref="StoreUnavailableException">The store stayed unreachable through the retries.</exception>
    public async ValueTask<T> InspectAtomicallyAsync<T>(ArtifactKey key, Func<ArtifactStatus, T> inspect, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(inspect);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var effects = EffectStore();
        return await UnwrapEffectFailureAsync(_calls.ReadAsync(
            "Inspect",
            key,
            ct => effects.InspectWithEffectAsync(key, record => inspect(ArtifactStatus.From(key, record, includeContent: true)), ct),
            _ => false,
            cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Runs one crash-recovery sweep now and publishes the reclaim signals.</summary>
    public async ValueTask<SweepResult> SweepAsync(CancellationToken cancellationToken = default)
    {
        using var activity = CoherenceDiagnostics.ActivitySource.StartActivity("coherence.sweep");
        var result = await Directory.SweepAsync(Options.CrashRecovery.ToPolicy(), cancellationToken).ConfigureAwait(false);
        foreach (var reclaimed in result.Reclaimed)
        {
            Log.Reclaimed(_logger, reclaimed.Key.ToString(), reclaimed.Agent.ToString(), reclaimed.Info.TriggerName, reclaimed.Info.Epoch);
        }

        if (result.Reclaimed.Count > 0)
        {
            Diagnostics.Reclaims.Add(result.Reclaimed.Count);
        }

        await PublishAsync(result.Signals, cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _sweepTimer?.Dispose();
        try
        {
            await DisposeAgentsAndBusAsync().ConfigureAwait(false);
        }
        finally
        {
            // Last, so the agents' releases and leaves are recorded too.
            foreach (var recorder in _recorders ?? [])
            {
                await StopRecordingAsync(recorder).ConfigureAwait(false);
            }
        }
    }

    private async ValueTask DisposeAgentsAndBusAsync()
    {
        if (Bus is ISignalGapSource gaps)
        {
            gaps.SignalsMayHaveBeenMissed -= OnSignalsMayHaveBeenMissed;
        }

        foreach (var agent in _agents.Values)
        {
            await agent.DisposeAsync().ConfigureAwait(false);
        }

        if (_subscription is not null)
        {
            await _subscription.DisposeAsync().ConfigureAwait(false);
        }

        if (_ownsDiagnostics)
        {
            Diagnostics.Dispose();
        }
    }

    private async Task StartCoreAsync()
    {
        const string S = CoherenceOptions.SectionName;
        if (Options.Recording.Path is { Length: > 0 } && _configuredRecorder is null)
        {
            // Before anything connects, so an unwritable directory fails the start and the first operations are recorded.
            try
            {
                _configuredRecorder = OpenRecorder(Options.Recording, $"{S}:Recording:Path");
            }
            catch (RecordingUnavailableException ex)
            {
                throw StartFailed(ex);
            }
        }

        using var timeout = new StartTimeout(Time, Options.StartTimeout);
        var store = Store.GetType().Name;
        var bus = Bus.GetType().Name;
        try
        {
            await timeout.Bound(Store.ConnectAsync(timeout.Token).AsTask()).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not CoherenceFaultException)
        {
            throw StartFailed(new StoreUnavailableException(
                "Connect",
                null,
                ex is OperationCanceledException && timeout.Expired
                    ? $"The store ({store}) did not connect within {S}:StartTimeout ({Options.StartTimeout}). Check the store's connection settings."
                    : $"Connecting the store ({store}) failed: {ex.Message}",
                ex));
        }
        catch (CoherenceFaultException ex)
        {
            throw StartFailed(ex);
        }

        try
        {
            await timeout.Bound(Bus.ConnectAsync(timeout.Token).AsTask()).ConfigureAwait(false);
            _subscription ??= await SubscribeAsync(timeout).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not CoherenceFaultException)
        {
            throw StartFailed(new TransportUnavailableException(
                "Connect",
                ex is OperationCanceledException && timeout.Expired
                    ? $"The signal bus ({bus}) did not connect within {S}:StartTimeout ({Options.StartTimeout}). Check the transport's connection settings ({S}:Transport)."
                    : $"Connecting the signal bus ({bus}) failed: {ex.Message}. Check the transport's connection settings ({S}:Transport).",
                ex));
        }
        catch (CoherenceFaultException ex)
        {
            throw StartFailed(ex);
        }

        Log.Started(_logger, store, bus);
    }

    // A subscription that completes after the start gave up on it is dropped, so a later start does not
    // dispatch every signal twice.
    private async Task<IAsyncDisposable> SubscribeAsync(StartTimeout timeout)
    {
        var subscribing = Bus.SubscribeAsync(DispatchAsync, timeout.Token).AsTask();
        try
        {
            return await timeout.Bound(subscribing).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _ = subscribing.ContinueWith(
                t => t.Result.DisposeAsync().AsTask(),
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            throw;
        }
    }

    private Exception StartFailed(Exception exception)
    {
        Log.StartFailed(_logger, exception, exception.Message);
        return exception;
    }

    private void OnSignalsMayHaveBeenMissed(object? sender, EventArgs args)
    {
        foreach (var agent in _agents.Values)
        {
            agent.InvalidateAll();
        }
    }

    /// <summary>The store as one that runs a caller's code inside its atomic steps, or the typed refusal when it cannot.</summary>
    internal IAtomicEffectStore EffectStore() =>
        Store is IAtomicEffectStore && _directory is IAtomicEffectStore effects
            ? effects
            : throw new NotSupportedException($"The directory store ({Store.GetType().Name}) cannot run code inside its atomic steps (it does not implement {nameof(IAtomicEffectStore)}); the in-memory and SQLite stores can, the Redis store cannot.");

    /// <summary>
    /// Code a caller ran inside a store's step failed, so the store undid the step: the caller gets what its own code
    /// threw, not the store-facing wrapper (<see cref="AtomicEffectFailedException"/> stays a store author's type).
    /// </summary>
    internal static async ValueTask<T> UnwrapEffectFailureAsync<T>(ValueTask<T> call)
    {
        try
        {
            return await call.ConfigureAwait(false);
        }
        catch (AtomicEffectFailedException failed) when (failed.InnerException is { } inner)
        {
            ExceptionDispatchInfo.Capture(inner).Throw();
            throw;
        }
    }

    /// <summary>The store every agent call goes to: <see cref="Store"/>, or a recording wrapper around it while recording.</summary>
    internal IDirectoryStore Directory => _directory;

    /// <summary>The active recordings; null when none (the one check the cache-hit and signal paths pay when off).</summary>
    internal Recorder[]? Recorders => _recorders;

    /// <summary>Whether some active recording wants content.</summary>
    internal bool RecordsContent => _recorders is { } recorders && Array.Exists(recorders, r => r.IncludeContent);

    /// <summary>Whether some active recording waits for room (<see cref="RecordingOverflow.Wait"/>) and its queue is full.</summary>
    internal bool RecordingFull => _recorders is { } recorders && Array.Exists(recorders, r => r.Full);

    /// <summary>Under <see cref="RecordingOverflow.Wait"/>: completes when every recording has room for the caller's lines.</summary>
    internal ValueTask WaitForRecordingRoomAsync(CancellationToken cancellationToken) =>
        _recorders is { } recorders && Array.Exists(recorders, r => r.Full) ? WaitForRoomSlowAsync(recorders, cancellationToken) : ValueTask.CompletedTask;

    private static async ValueTask WaitForRoomSlowAsync(Recorder[] recorders, CancellationToken cancellationToken)
    {
        foreach (var recorder in recorders)
        {
            await recorder.WaitForRoomAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Hands an entry to every active recording.</summary>
    internal void Record(RecordingEntry entry)
    {
        if (_recorders is { } recorders)
        {
            foreach (var recorder in recorders)
            {
                recorder.Write(entry);
            }
        }
    }

    /// <summary>The version of the agent's cached view of the key, when it has one.</summary>
    internal long? ViewOf(AgentId agent, ArtifactKey key) =>
        _agents.TryGetValue(agent, out var a) && a.Cache.KnownVersion(key) is var v and >= 0 ? v : null;

    internal async ValueTask StopRecordingAsync(Recorder recorder)
    {
        lock (_recordGate)
        {
            var rest = (_recorders ?? []).Where(r => r != recorder).ToArray();
            _recorders = rest.Length == 0 ? null : rest;
            _directory = rest.Length == 0 ? Store : _directory;
            if (_configuredRecorder == recorder)
            {
                _configuredRecorder = null;
            }
        }

        await recorder.DisposeAsync().ConfigureAwait(false);
    }

    private Recorder OpenRecorder(RecordingOptions options, string setting)
    {
        var recorder = Recorder.Open(options, setting, Time, _logger, Diagnostics, Store.GetType().Name, Options.Mode.ToString());
        lock (_recordGate)
        {
            _recorders = [.. _recorders ?? [], recorder];
            if (_directory == Store)
            {
                _directory = new RecordingDirectoryStore(this, Store);
            }
        }

        return recorder;
    }

    internal void Remove(CoherentAgent agent) => _agents.TryRemove(new KeyValuePair<AgentId, CoherentAgent>(agent.Id, agent));

    internal async ValueTask PublishAsync(IReadOnlyList<InvalidationSignal> signals, CancellationToken cancellationToken)
    {
        if (signals.Count == 0)
        {
            return;
        }

        try
        {
            // A sweep may publish before any agent started the client; the start bounds the bus's connect,
            // which a publish on its own would wait on without end.
            if (Volatile.Read(ref _started) is not { IsCompletedSuccessfully: true })
            {
                await StartAsync(cancellationToken).ConfigureAwait(false);
            }

            await Bus.PublishAsync(signals, cancellationToken).ConfigureAwait(false);
            Diagnostics.SignalsSent.Add(signals.Count);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The commit already landed; peers catch up through their cache strategy.
            Log.PublishFailed(_logger, ex, signals.Count);
        }
    }

    private ValueTask DispatchAsync(InvalidationSignal signal)
    {
        if (_agents.TryGetValue(signal.Recipient, out var agent))
        {
            agent.OnSignal(signal);
        }

        return ValueTask.CompletedTask;
    }

    private async Task SweepInBackgroundAsync()
    {
        if (Interlocked.Exchange(ref _sweeping, 1) == 1)
        {
            return;
        }

        try
        {
            await SweepAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.SweepFailed(_logger, ex);
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }
}

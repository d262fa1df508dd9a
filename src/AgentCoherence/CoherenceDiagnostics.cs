using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace AgentCoherence;

/// <summary>
/// The library's telemetry: a <see cref="Meter"/> and an <see cref="ActivitySource"/>, both named
/// <see cref="Name"/>, so OpenTelemetry picks them up with <c>AddMeter("AgentCoherence")</c> and
/// <c>AddSource("AgentCoherence")</c>.
/// </summary>
public sealed class CoherenceDiagnostics : IDisposable
{
    /// <summary>The meter's and activity source's name.</summary>
    public const string Name = "AgentCoherence";

    /// <summary>Spans around every store call.</summary>
    public static readonly ActivitySource ActivitySource = new(Name, "1.0.0");

    private readonly Meter _meter;

    /// <summary>Creates the instruments, from <paramref name="meterFactory"/> when given (DI), else a standalone meter.</summary>
    public CoherenceDiagnostics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(Name) ?? new Meter(Name, "1.0.0");
        Reads = _meter.CreateCounter<long>("coherence.reads", "{read}", "Reads served to agents, hits and misses.");
        Hits = _meter.CreateCounter<long>("coherence.cache.hits", "{read}", "Reads served from the agent's local cache (including re-validations that found no change).");
        Misses = _meter.CreateCounter<long>("coherence.cache.misses", "{read}", "Reads that fetched content from the store.");
        Commits = _meter.CreateCounter<long>("coherence.commits", "{commit}", "Successful commits, CAS commits and deletes.");
        Conflicts = _meter.CreateCounter<long>("coherence.conflicts", "{refusal}", "Refused operations, by reason.");
        SignalsSent = _meter.CreateCounter<long>("coherence.signals.sent", "{signal}", "Invalidation signals published.");
        SignalsReceived = _meter.CreateCounter<long>("coherence.signals.received", "{signal}", "Invalidation signals applied by local agents (after de-duplication).");
        SignalsRejected = _meter.CreateCounter<long>("coherence.signals.rejected", "{message}", "Malformed or oversized messages dropped by a transport.");
        Reclaims = _meter.CreateCounter<long>("coherence.reclaims", "{grant}", "Grants reclaimed by the sweep.");
        Reregistrations = _meter.CreateCounter<long>("coherence.agents.reregistered", "{registration}", "Agents the store no longer knew (data lost, pruned or forgotten) that registered again; their cached views were invalidated.");
        StoreRetries = _meter.CreateCounter<long>("coherence.store.retries", "{retry}", "Store calls retried after a store failure (writes with the same operation id), by operation.");
        WouldBeRefused = _meter.CreateCounter<long>("coherence.observe.would_be_refused", "{write}", "Observe mode: writes the store refused for coordination and the client applied anyway, by reason and operation.");
        RecordingDropped = _meter.CreateCounter<long>("coherence.recording.dropped", "{line}", "Recording lines dropped because the recorder's queue was full (Recording:WhenFull = Drop); each run of them is a gap line in the recording.");
        TokensSaved = _meter.CreateCounter<long>("coherence.tokens.saved", "{token}", "Tokens not re-sent because a read was served locally.");
    }

    internal Counter<long> Reads { get; }

    internal Counter<long> Hits { get; }

    internal Counter<long> Misses { get; }

    internal Counter<long> Commits { get; }

    internal Counter<long> Conflicts { get; }

    internal Counter<long> SignalsSent { get; }

    internal Counter<long> SignalsReceived { get; }

    internal Counter<long> Reclaims { get; }

    internal Counter<long> Reregistrations { get; }

    internal Counter<long> StoreRetries { get; }

    /// <summary>Counts a malformed message a transport dropped; transports call it with the reason.</summary>
    public void SignalRejected(string transport) => SignalsRejected.Add(1, new KeyValuePair<string, object?>("transport", transport));

    internal Counter<long> SignalsRejected { get; }

    internal Counter<long> TokensSaved { get; }

    internal Counter<long> WouldBeRefused { get; }

    internal Counter<long> RecordingDropped { get; }

    internal void Refused(RefusalReason reason) => Conflicts.Add(1, new KeyValuePair<string, object?>("reason", reason.ToSnakeCase()));

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}

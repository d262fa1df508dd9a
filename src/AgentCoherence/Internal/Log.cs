using Microsoft.Extensions.Logging;

namespace AgentCoherence.Internal;

/// <summary>Every log line the library writes, with stable event ids (1xxx client, 2xxx sweep, 3xxx bus).</summary>
internal static partial class Log
{
    [LoggerMessage(1001, LogLevel.Debug, "Agent {Agent} registered")]
    public static partial void AgentRegistered(ILogger logger, string agent);

    [LoggerMessage(1002, LogLevel.Debug, "Agent {Agent} left; its grants and entries were dropped")]
    public static partial void AgentLeft(ILogger logger, string agent);

    [LoggerMessage(1003, LogLevel.Debug, "Agent {Agent} was refused on {Key}: {Reason} (current v{Version})")]
    public static partial void Refused(ILogger logger, string agent, string key, RefusalReason reason, long version);

    [LoggerMessage(1004, LogLevel.Debug, "Agent {Agent} committed {Key} v{Version}; {Signals} peers invalidated")]
    public static partial void Committed(ILogger logger, string agent, string key, long version, int signals);

    [LoggerMessage(1005, LogLevel.Warning, "Heartbeat of agent {Agent} failed")]
    public static partial void HeartbeatFailed(ILogger logger, Exception exception, string agent);

    [LoggerMessage(1006, LogLevel.Warning, "Agent {Agent} is no longer registered with the store; its heartbeats stopped")]
    public static partial void HeartbeatUnknownAgent(ILogger logger, string agent);

    [LoggerMessage(1007, LogLevel.Warning, "Eager refresh of {Key} for agent {Agent} failed")]
    public static partial void RefreshFailed(ILogger logger, Exception exception, string agent, string key);

    [LoggerMessage(1008, LogLevel.Debug, "Update of {Key} by {Agent} lost attempt {Attempt} ({Reason}); retrying in {DelayMs} ms")]
    public static partial void UpdateRetry(ILogger logger, string agent, string key, int attempt, RefusalReason reason, double delayMs);

    [LoggerMessage(1009, LogLevel.Warning, "A signal handler of agent {Agent} threw")]
    public static partial void SignalHandlerFailed(ILogger logger, Exception exception, string agent);

    [LoggerMessage(1010, LogLevel.Warning, "Agent {Agent} was unknown to the store (its data was lost, pruned, or another process forgot this id); it registered again and treats every cached view as invalid")]
    public static partial void Reregistered(ILogger logger, string agent);

    [LoggerMessage(1011, LogLevel.Warning, "{Operation} by agent {Agent} on {Key} failed at the store (attempt {Attempt}); retrying with operation id {OperationId}")]
    public static partial void StoreRetry(ILogger logger, Exception exception, string operation, string agent, string key, int attempt, string operationId);

    [LoggerMessage(1012, LogLevel.Warning, "Releasing the grant of agent {Agent} on {Key} failed after its write landed; the release is retried in the background")]
    public static partial void ReleasePending(ILogger logger, Exception exception, string agent, string key);

    [LoggerMessage(1013, LogLevel.Warning, "Agent {Agent} could not leave the store cleanly; the sweep reclaims what it still held")]
    public static partial void LeaveFailed(ILogger logger, Exception exception, string agent);

    [LoggerMessage(1014, LogLevel.Information, "Client started: the store {Store} and the signal bus {Bus} are connected")]
    public static partial void Started(ILogger logger, string store, string bus);

    [LoggerMessage(1015, LogLevel.Error, "Client start failed: {Reason}")]
    public static partial void StartFailed(ILogger logger, Exception exception, string reason);

    [LoggerMessage(1016, LogLevel.Warning, "Observe mode: {Operation} by agent {Agent} on {Key} would be refused ({Reason}: current v{Version}, caller v{CallerVersion}, holder {Holder}); it is applied anyway")]
    public static partial void WouldBeRefused(ILogger logger, string operation, string agent, string key, RefusalReason reason, long version, string callerVersion, string holder);

    [LoggerMessage(1017, LogLevel.Warning, "A WouldBeRefused handler threw on a write of agent {Agent}; the write goes on")]
    public static partial void WouldBeRefusedHandlerFailed(ILogger logger, Exception exception, string agent);

    [LoggerMessage(2001, LogLevel.Warning, "Sweep reclaimed {Key} from {Agent} ({Trigger}); owner epoch now {Epoch}")]
    public static partial void Reclaimed(ILogger logger, string key, string agent, string trigger, long epoch);

    [LoggerMessage(2002, LogLevel.Error, "Sweep failed")]
    public static partial void SweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(2003, LogLevel.Warning, "Crash recovery is off (AgentCoherence:CrashRecovery:Enabled = false) and the store {Store} is shared with other processes: this client runs no sweep, so a grant held by an agent whose process crashed is reclaimed only if another client of this store sweeps, or the application calls SweepAsync")]
    public static partial void NoSweeperOnSharedStore(ILogger logger, string store);

    [LoggerMessage(3001, LogLevel.Warning, "A bus subscriber failed on a signal for {Key}")]
    public static partial void SubscriberFailed(ILogger logger, Exception exception, string key);

    [LoggerMessage(3003, LogLevel.Warning, "{Transport} dropped a malformed message of {Bytes} bytes: {Reason}")]
    public static partial void SignalRejected(ILogger logger, string transport, int bytes, string reason);

    [LoggerMessage(3004, LogLevel.Information, "{Transport} reconnected; local caches will re-validate")]
    public static partial void BusReconnected(ILogger logger, string transport);

    [LoggerMessage(3005, LogLevel.Warning, "The store {Store} is shared with other processes, but the signal bus is the in-process InMemoryEventBus (no AgentCoherence:Transport:Kind): no signal reaches another process, so their caches learn of a change only when the store refuses a stale write. Set AgentCoherence:Transport:Kind to Redis, Nats, Kafka or MassTransit")]
    public static partial void InProcessBusOnSharedStore(ILogger logger, string store);

    [LoggerMessage(3002, LogLevel.Warning, "Publishing {Count} signals failed; peers will catch up through their cache strategy")]
    public static partial void PublishFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(5001, LogLevel.Error, "Recording to {File} failed; this recording stops (the client goes on without it)")]
    public static partial void RecordingFailed(ILogger logger, Exception exception, string file);

    [LoggerMessage(5002, LogLevel.Warning, "Recording to {Directory} is dropping lines: {Limit} lines are waiting for the writer (AgentCoherence:Recording:MaxQueuedLines), so the disk is slower than the agents; a gap line in the recording will say how many were dropped (metric coherence.recording.dropped)")]
    public static partial void RecordingQueueFull(ILogger logger, string directory, int limit);
}

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

using AgentCoherence.Internal;

namespace AgentCoherence.Signals;

/// <summary>
/// Base of the broker transports (Redis pub/sub, NATS, Kafka, MassTransit): encodes signals with
/// <see cref="SignalCodec"/>, decodes what arrives, drops and counts malformed messages without ever
/// throwing into the broker client, fans each signal out to the process's subscribers, and reports
/// reconnects as possible gaps. A transport implements only the raw publish and the broker subscription.
/// </summary>
public abstract class BrokerEventBus : IEventBus, ISignalGapSource, IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly CoherenceDiagnostics? _diagnostics;
    private Func<InvalidationSignal, ValueTask>[] _handlers = [];
    private Task? _started;
    private long _rejected;
    private long _received;

    /// <summary>Creates the bus.</summary>
    /// <param name="transport">The transport's name, for logs and the <c>transport</c> metric tag.</param>
    /// <param name="logger">Logging; none when null.</param>
    /// <param name="diagnostics">Metrics; none when null.</param>
    protected BrokerEventBus(string transport, ILogger? logger = null, CoherenceDiagnostics? diagnostics = null)
    {
        Transport = transport;
        Logger = logger ?? NullLogger.Instance;
        _diagnostics = diagnostics;
    }

    /// <inheritdoc />
    public event EventHandler? SignalsMayHaveBeenMissed;

    /// <summary>The transport's name.</summary>
    public string Transport { get; }

    /// <summary>Malformed or oversized messages dropped so far.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Well-formed signals received so far (before local de-duplication).</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>The logger.</summary>
    protected ILogger Logger { get; }

    /// <inheritdoc />
    public async ValueTask PublishAsync(IReadOnlyList<InvalidationSignal> signals, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(signals);
        if (signals.Count == 0)
        {
            return;
        }

        await EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < signals.Count; i++)
        {
            await PublishRawAsync(SignalCodec.Encode(signals[i]), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask<IAsyncDisposable> SubscribeAsync(Func<InvalidationSignal, ValueTask> handler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_gate)
        {
            _handlers = [.. _handlers, handler];
        }

        await EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
        return new Subscription(this, handler);
    }

    /// <inheritdoc />
    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Connects and subscribes to the broker once; messages go to <see cref="OnMessageAsync"/>. When it
    /// throws, the next publish or subscribe calls it again, so it must clean up what it made before failing.
    /// </summary>
    protected abstract Task StartAsync(CancellationToken cancellationToken);

    /// <summary>Publishes one encoded message to every subscribing process.</summary>
    protected abstract ValueTask PublishRawAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken);

    /// <summary>Call for every message the broker delivers. Never throws.</summary>
    protected async ValueTask OnMessageAsync(ReadOnlyMemory<byte> message)
    {
        if (!SignalCodec.TryDecode(message.Span, out var signal, out var error))
        {
            Interlocked.Increment(ref _rejected);
            _diagnostics?.SignalRejected(Transport);
            Log.SignalRejected(Logger, Transport, message.Length, error ?? "malformed");
            return;
        }

        Interlocked.Increment(ref _received);
        foreach (var handler in Volatile.Read(ref _handlers))
        {
            try
            {
                await handler(signal!).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Log.SubscriberFailed(Logger, ex, signal!.Key.ToString());
            }
        }
    }

    /// <summary>Call after the broker connection came back and the subscription was renewed.</summary>
    protected void OnReconnected()
    {
        Log.BusReconnected(Logger, Transport);
        SignalsMayHaveBeenMissed?.Invoke(this, EventArgs.Empty);
    }

    // A start that failed (broker unreachable at that moment) is tried again on the next use, rather
    // than leaving the bus failed for good.
    private Task EnsureStartedAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_started is { IsFaulted: true } or { IsCanceled: true })
            {
                _started = null;
            }

            return (_started ??= StartAsync(CancellationToken.None)).WaitAsync(cancellationToken);
        }
    }

    private sealed class Subscription(BrokerEventBus bus, Func<InvalidationSignal, ValueTask> handler) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            lock (bus._gate)
            {
                bus._handlers = bus._handlers.Where(h => h != handler).ToArray();
            }

            return ValueTask.CompletedTask;
        }
    }
}

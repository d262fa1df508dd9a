using AgentCoherence.Nats.Internal;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using AgentCoherence.Signals;

namespace AgentCoherence.Nats;

/// <summary>
/// Carries signals over NATS core pub/sub: one subject, every subscribing process receives every
/// message (no queue group). The client reconnects and re-subscribes by itself; after each reconnect
/// the bus reports a possible gap, so the client re-validates its caches (NATS core keeps nothing for
/// a disconnected subscriber).
/// </summary>
public sealed class NatsEventBus : BrokerEventBus
{
    private readonly NatsBusOptions _options;
    private readonly NatsConnection _connection;
    private readonly CancellationTokenSource _stop = new();
    private INatsSub<byte[]>? _subscription;
    private Task? _pump;
    private int _opened;
    private int _gapPending;

    /// <summary>Creates the bus; it connects on first use.</summary>
    public NatsEventBus(NatsBusOptions options, ILogger<NatsEventBus>? logger = null, CoherenceDiagnostics? diagnostics = null)
        : base("nats", logger, diagnostics)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Subject);
        _options = options;
        _connection = new NatsConnection(options.ToNatsOpts());
        _connection.ConnectionDisconnected += OnDisconnectedAsync;
        _connection.ConnectionOpened += OnOpenedAsync;
    }

    /// <summary>The subject signals travel on.</summary>
    public string Subject => _options.Subject;

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_subscription is not null)
        {
            await _subscription.DisposeAsync().ConfigureAwait(false);
        }

        if (_pump is not null)
        {
            await _pump.ConfigureAwait(false);
        }

        _connection.ConnectionDisconnected -= OnDisconnectedAsync;
        _connection.ConnectionOpened -= OnOpenedAsync;
        await _connection.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override async Task StartAsync(CancellationToken cancellationToken)
    {
        await _connection.ConnectAsync().ConfigureAwait(false);
        _subscription = await _connection.SubscribeCoreAsync<byte[]>(_options.Subject, cancellationToken: _stop.Token).ConfigureAwait(false);

        // A round trip, so the server has the subscription before the first publish from anywhere.
        await _connection.PingAsync(cancellationToken).ConfigureAwait(false);
        _pump = PumpAsync(_subscription);
    }

    /// <inheritdoc />
    protected override ValueTask PublishRawAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken) =>
        _connection.PublishAsync(_options.Subject, message, cancellationToken: cancellationToken);

    private async Task PumpAsync(INatsSub<byte[]> subscription)
    {
        try
        {
            await foreach (var msg in subscription.Msgs.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                ReportGapIfPending();
                await OnMessageAsync(msg.Data ?? []).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    private ValueTask OnDisconnectedAsync(object? sender, NatsEventArgs args)
    {
        Volatile.Write(ref _gapPending, 1);
        NatsLog.Disconnected(Logger, args.Message);
        return ValueTask.CompletedTask;
    }

    private ValueTask OnOpenedAsync(object? sender, NatsEventArgs args)
    {
        // The first open is the initial connect; every later one is a reconnect (subscriptions renewed).
        if (Interlocked.Exchange(ref _opened, 1) == 1)
        {
            Volatile.Write(ref _gapPending, 1);
            ReportGapIfPending();
        }

        return ValueTask.CompletedTask;
    }

    // Reported once per outage, at the reconnect or before the first message after it, whichever
    // comes first, so no message from after the outage is dispatched before the caches were marked.
    private void ReportGapIfPending()
    {
        if (Interlocked.Exchange(ref _gapPending, 0) == 1)
        {
            OnReconnected();
        }
    }
}

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
    private string? _lastFailure;

    /// <summary>Creates the bus; it connects when the client starts (or on first use).</summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">A setting is invalid; the message names it.</exception>
    public NatsEventBus(NatsBusOptions options, ILogger<NatsEventBus>? logger = null, CoherenceDiagnostics? diagnostics = null)
        : base("nats", logger, diagnostics)
    {
        NatsBusOptionsValidator.ThrowIfInvalid(options);
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
    /// <remarks>
    /// Tries to connect until it succeeds or <paramref name="cancellationToken"/> (the client's start timeout)
    /// is cancelled, waiting <see cref="NatsBusOptions.ReconnectWaitMin"/> and then longer, up to
    /// <see cref="NatsBusOptions.ReconnectWaitMax"/>, between attempts; then throws
    /// <see cref="TransportUnavailableException"/> naming <c>AgentCoherence:Transport:Nats:Url</c>, the URL
    /// and the last attempt's cause.
    /// </remarks>
    protected override async Task StartAsync(CancellationToken cancellationToken)
    {
        await ConnectWithRetriesAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _subscription = await _connection.SubscribeCoreAsync<byte[]>(_options.Subject, cancellationToken: _stop.Token).AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);

            // A round trip, so the server has the subscription before the first publish from anywhere.
            await _connection.PingAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || cancellationToken.IsCancellationRequested)
        {
            if (_subscription is not null)
            {
                await _subscription.DisposeAsync().ConfigureAwait(false);
                _subscription = null;
            }

            throw Unavailable($"subscribing to '{_options.Subject}' failed: {NatsText.Describe(ex)}", ex);
        }

        _pump = PumpAsync(_subscription);
        NatsLog.Connected(Logger, NatsText.Redact(_options.Url), _options.Subject);
    }

    /// <inheritdoc />
    protected override ValueTask PublishRawAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken) =>
        _connection.PublishAsync(_options.Subject, message, cancellationToken: cancellationToken);

    private async Task ConnectWithRetriesAsync(CancellationToken cancellationToken)
    {
        var wait = _options.ReconnectWaitMin;
        for (var attempt = 1; ; attempt++)
        {
            Exception failure;
            try
            {
                await _connection.ConnectAsync().AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
            {
                throw Unavailable(_lastFailure ?? "the server did not answer before the start timeout", ex);
            }
            catch (Exception ex)
            {
                failure = ex;
            }

            _lastFailure = NatsText.Describe(failure);
            try
            {
                if (await NatsText.ProbeAsync(_options.Url, cancellationToken).ConfigureAwait(false) is { } cause)
                {
                    _lastFailure = $"{_lastFailure} ({cause})";
                }
            }
            catch (OperationCanceledException ex)
            {
                throw Unavailable(_lastFailure, ex);
            }

            NatsLog.ConnectFailed(Logger, NatsText.Redact(_options.Url), attempt, _lastFailure);
            try
            {
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException ex)
            {
                throw Unavailable(_lastFailure, ex);
            }

            wait = TimeSpan.FromTicks(Math.Min(Math.Max(wait.Ticks * 2, TimeSpan.FromMilliseconds(50).Ticks), _options.ReconnectWaitMax.Ticks));
        }
    }

    private TransportUnavailableException Unavailable(string cause, Exception? inner) =>
        new("Connect", $"The NATS signal bus could not connect to {NatsText.Redact(_options.Url)} ({NatsBusOptionsValidator.Section}:Url): {cause}.", inner);

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

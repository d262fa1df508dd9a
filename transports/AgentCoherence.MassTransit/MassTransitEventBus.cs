using AgentCoherence.MassTransit.Internal;
using global::MassTransit;
using Microsoft.Extensions.Logging;
using AgentCoherence.Signals;

namespace AgentCoherence.MassTransit;

/// <summary>
/// Carries signals over a dedicated MassTransit bus (RabbitMQ, or the in-memory transport): each
/// signal is published as a <see cref="SignalEnvelope"/> to one fanout exchange, and every process
/// reads from its own temporary queue bound to it, so every process receives every signal. The bus
/// is private to this class (its own connection, not the application's MassTransit bus). When the
/// receive endpoint comes back after a connection or broker loss (the temporary queue is declared
/// anew), the bus reports a possible gap, so the client re-validates its caches.
/// </summary>
public sealed class MassTransitEventBus : BrokerEventBus
{
    private readonly MassTransitBusOptions _options;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IBusControl? _bus;
    private Uri? _inputAddress;
    private int _readyCount;
    private int _gapPending;

    /// <summary>Creates the bus; it connects on first use.</summary>
    public MassTransitEventBus(MassTransitBusOptions options, ILogger<MassTransitEventBus>? logger = null, CoherenceDiagnostics? diagnostics = null)
        : base("masstransit", logger, diagnostics)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ExchangeName);
        _options = options;
    }

    /// <summary>The exchange signals travel through.</summary>
    public string ExchangeName => _options.ExchangeName;

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        if (_bus is not null)
        {
            await _bus.StopAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override async Task StartAsync(CancellationToken cancellationToken)
    {
        _bus = CreateBus(_options, configure: endpoint =>
        {
            _inputAddress = endpoint.InputAddress;
            endpoint.Handler<SignalEnvelope>(OnEnvelopeAsync);
        });
        _bus.ConnectReceiveEndpointObserver(new EndpointObserver(this));
        try
        {
            await _bus.StartAsync(cancellationToken).ConfigureAwait(false);
            await _ready.Task.WaitAsync(_options.StartTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // The next use starts over with a new bus.
            await _bus.StopAsync(CancellationToken.None).ConfigureAwait(false);
            _bus = null;
            throw;
        }
    }

    /// <inheritdoc />
    protected override async ValueTask PublishRawAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken) =>
        await _bus!.Publish(new SignalEnvelope { Payload = message.ToArray() }, cancellationToken).ConfigureAwait(false);

    /// <summary>Publishes bytes that bypass the codec (tests of the rejection path).</summary>
    internal ValueTask PublishGarbageForTestAsync(byte[] message) => PublishRawAsync(message, CancellationToken.None);

    /// <summary>A MassTransit bus for these settings with the envelope's entity name; with a temporary receive endpoint when <paramref name="configure"/> is given.</summary>
    internal static IBusControl CreateBus(MassTransitBusOptions options, Action<IReceiveEndpointConfigurator>? configure)
    {
        return options.Kind switch
        {
            MassTransitBusKind.InMemory => Bus.Factory.CreateUsingInMemory(cfg =>
            {
                cfg.Message<SignalEnvelope>(m => m.SetEntityName(options.ExchangeName));
                if (configure is not null)
                {
                    cfg.ReceiveEndpoint(configure);
                }
            }),
            _ => Bus.Factory.CreateUsingRabbitMq(cfg =>
            {
                cfg.Host(options.Host, options.Port, options.VirtualHost, h =>
                {
                    h.Username(options.Username);
                    h.Password(options.Password);
                    if (options.UseSsl)
                    {
                        h.UseSsl(_ => { });
                    }
                });
                cfg.Message<SignalEnvelope>(m => m.SetEntityName(options.ExchangeName));
                if (configure is not null)
                {
                    cfg.ReceiveEndpoint((IRabbitMqReceiveEndpointConfigurator endpoint) => configure(endpoint));
                }
            }),
        };
    }

    private async Task OnEnvelopeAsync(ConsumeContext<SignalEnvelope> context)
    {
        if (Interlocked.Exchange(ref _gapPending, 0) == 1)
        {
            OnReconnected();
        }

        await OnMessageAsync(context.Message.Payload ?? []).ConfigureAwait(false);
    }

    private sealed class EndpointObserver(MassTransitEventBus bus) : IReceiveEndpointObserver
    {
        public Task Ready(ReceiveEndpointReady ready)
        {
            // The bus has an endpoint of its own (for responses); only the signal queue matters here.
            if (ready.InputAddress != bus._inputAddress)
            {
                return Task.CompletedTask;
            }

            // The first ready is the start; every later one follows a loss of the endpoint.
            if (Interlocked.Increment(ref bus._readyCount) == 1)
            {
                bus._ready.TrySetResult();
            }
            else
            {
                Interlocked.Exchange(ref bus._gapPending, 0);
                bus.OnReconnected();
            }

            return Task.CompletedTask;
        }

        public Task Stopping(ReceiveEndpointStopping stopping)
        {
            if (stopping.InputAddress != bus._inputAddress)
            {
                return Task.CompletedTask;
            }

            Volatile.Write(ref bus._gapPending, 1);
            return Task.CompletedTask;
        }

        public Task Completed(ReceiveEndpointCompleted completed) => Task.CompletedTask;

        public Task Faulted(ReceiveEndpointFaulted faulted)
        {
            if (faulted.InputAddress != bus._inputAddress)
            {
                return Task.CompletedTask;
            }

            Volatile.Write(ref bus._gapPending, 1);
            MassTransitLog.EndpointFaulted(bus.Logger, faulted.Exception?.Message ?? "unknown");
            return Task.CompletedTask;
        }
    }
}

using AgentCoherence.Testing;
using AgentCoherence.Testing.Servers;
using MassTransit;
using AgentCoherence.Signals;

namespace AgentCoherence.MassTransit.Tests;

/// <summary>
/// The transport conformance suite over MassTransit on a real RabbitMQ, every bus connected through
/// the fault proxy. Each test instance uses its own exchange, so no test reads another's signals.
/// </summary>
public sealed class MassTransitTransportConformanceTests(RabbitMqServerFixture rabbit) : TransportConformanceTests, IClassFixture<RabbitMqServerFixture>
{
    private readonly string _exchange = "conformance-" + Guid.NewGuid().ToString("N")[..8];
    private IBusControl? _raw;

    protected override Task<IEventBus> CreateBusAsync()
    {
        rabbit.SkipIfUnavailable();
        return Task.FromResult<IEventBus>(new MassTransitEventBus(Options(rabbit.ProxyPort)));
    }

    protected override async Task PublishRawAsync(byte[] message)
    {
        if (_raw is null)
        {
            _raw = MassTransitEventBus.CreateBus(Options(rabbit.DirectPort, rabbit.Host), configure: null);
            await _raw.StartAsync();
        }

        await _raw.Publish(new SignalEnvelope { Payload = message });
    }

    protected override Task CutConnectionsAsync()
    {
        rabbit.CutConnections();
        return Task.CompletedTask;
    }

    protected override Task RestartBrokerAsync() => rabbit.RestartAsync();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_raw is not null)
        {
            await _raw.StopAsync();
        }
    }

    private MassTransitBusOptions Options(int port, string host = "127.0.0.1") => new()
    {
        Host = host,
        Port = (ushort)port,
        Username = rabbit.Username,
        Password = rabbit.Password,
        ExchangeName = _exchange,
    };
}

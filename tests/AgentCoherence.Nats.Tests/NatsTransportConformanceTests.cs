using AgentCoherence.Testing;
using AgentCoherence.Testing.Servers;
using NATS.Client.Core;
using AgentCoherence.Signals;

namespace AgentCoherence.Nats.Tests;

/// <summary>The transport conformance suite over a real nats-server, every bus connected through the fault proxy.</summary>
public sealed class NatsTransportConformanceTests(NatsServerFixture server) : TransportConformanceTests, IClassFixture<NatsServerFixture>
{
    private NatsConnection? _raw;

    protected override Task<IEventBus> CreateBusAsync()
    {
        server.SkipIfUnavailable();
        return Task.FromResult<IEventBus>(new NatsEventBus(new NatsBusOptions
        {
            Url = server.ProxyUrl,
            ReconnectWaitMin = TimeSpan.FromMilliseconds(50),
            ReconnectWaitMax = TimeSpan.FromMilliseconds(500),
        }));
    }

    protected override async Task PublishRawAsync(byte[] message)
    {
        _raw ??= new NatsConnection(NatsOpts.Default with { Url = server.DirectUrl });
        await _raw.PublishAsync(new NatsBusOptions().Subject, message);
    }

    protected override Task CutConnectionsAsync()
    {
        server.CutConnections();
        return Task.CompletedTask;
    }

    protected override Task RestartBrokerAsync() => server.RestartAsync();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_raw is not null)
        {
            await _raw.DisposeAsync();
        }
    }
}

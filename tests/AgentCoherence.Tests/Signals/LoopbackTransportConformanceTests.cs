using AgentCoherence.Testing;
using AgentCoherence.Signals;

namespace AgentCoherence.Tests.Signals;

/// <summary>The transport conformance suite against an in-process broker: proves the suite and BrokerEventBus themselves.</summary>
public sealed class LoopbackTransportConformanceTests : TransportConformanceTests
{
    private LoopbackBroker _broker = new();

    protected override Task<IEventBus> CreateBusAsync() => Task.FromResult<IEventBus>(_broker.Connect());

    protected override Task PublishRawAsync(byte[] message) => _broker.PublishRawAsync(message);

    protected override Task CutConnectionsAsync()
    {
        _broker.CutAll();
        return Task.CompletedTask;
    }

    protected override Task RestartBrokerAsync()
    {
        _broker.CutAll();
        return Task.CompletedTask;
    }
}

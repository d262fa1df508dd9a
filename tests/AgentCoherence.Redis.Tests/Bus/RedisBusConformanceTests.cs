using AgentCoherence.Testing;
using StackExchange.Redis;
using AgentCoherence.Signals;

namespace AgentCoherence.Redis.Tests.Bus;

/// <summary>The transport conformance suite over Redis pub/sub on a real redis-server, every bus connected through the fault proxy.</summary>
public sealed class RedisBusConformanceTests(RedisBusFixture redis) : TransportConformanceTests, IClassFixture<RedisBusFixture>
{
    private readonly string _channel = "conformance:" + Guid.NewGuid().ToString("N")[..8];
    private ConnectionMultiplexer? _raw;

    protected override async Task<IEventBus> CreateBusAsync()
    {
        redis.SkipIfUnavailable();
        var connection = await ConnectionMultiplexer.ConnectAsync(redis.ProxyConnectionString);
        return new RedisEventBus(connection, new RedisBusOptions { Channel = _channel }, ownsConnection: true);
    }

    protected override async Task PublishRawAsync(byte[] message)
    {
        _raw ??= await ConnectionMultiplexer.ConnectAsync(redis.DirectConnectionString);
        await _raw.GetSubscriber().PublishAsync(RedisChannel.Literal(_channel), message);
    }

    protected override Task CutConnectionsAsync()
    {
        redis.CutConnections();
        return Task.CompletedTask;
    }

    protected override Task RestartBrokerAsync() => redis.RestartAsync();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_raw is not null)
        {
            await _raw.DisposeAsync();
        }
    }
}

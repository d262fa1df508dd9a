using AgentCoherence.Testing;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace AgentCoherence.Redis.Tests.Bus;

/// <summary>What the Redis bus logs: its subscription at Information, a lost subscription (signals lost) at Warning, the reconnect at Information.</summary>
public sealed class RedisBusLoggingTests(RedisBusFixture redis) : IClassFixture<RedisBusFixture>
{
    /// <summary>Guards waits for something the test caused; never reached when the code works.</summary>
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(60);

    [SkippableFact]
    public async Task Subscribing_losing_the_connection_and_reconnecting_are_logged_at_their_levels()
    {
        redis.SkipIfUnavailable();
        var capture = new CapturingLoggerProvider();
        var connection = await ConnectionMultiplexer.ConnectAsync(redis.ProxyConnectionString);
        await using var bus = new RedisEventBus(connection, new RedisBusOptions { Channel = "logging:" + Guid.NewGuid().ToString("N")[..8] }, ownsConnection: true, capture.CreateLogger<RedisEventBus>());
        await bus.ConnectAsync(new CancellationTokenSource(Hang).Token);
        await using var subscription = await bus.SubscribeAsync(_ => ValueTask.CompletedTask);

        redis.CutConnections();
        var lost = await capture.WaitFor(e => e.EventId.Id == 3402).WaitAsync(Hang);
        await bus.PublishAsync([new InvalidationSignal(new ArtifactKey("t", "doc"), 2, new AgentId("w"), SignalKind.Commit, new AgentId("r"))]);
        var reconnected = await capture.WaitFor(e => e.EventId.Id == 3004).WaitAsync(Hang);

        var subscribed = Assert.Single(capture.Entries, e => e.EventId.Id == 3401);
        Assert.Equal(LogLevel.Information, subscribed.Level);
        Assert.Equal(LogLevel.Warning, lost.Level);
        Assert.Equal(LogLevel.Information, reconnected.Level);
    }
}

using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using AgentCoherence.Signals;

namespace AgentCoherence.Redis;

/// <summary>
/// Carries signals over Redis pub/sub: one channel, every subscribing process receives every message,
/// processed in order. StackExchange.Redis reconnects and re-subscribes by itself; Redis keeps nothing
/// for a disconnected subscriber, so after each loss of the subscription connection the bus reports a
/// possible gap (at the reconnect, or before the first message after it, whichever comes first) and
/// the client re-validates its caches.
/// </summary>
public sealed class RedisEventBus : BrokerEventBus
{
    private readonly IConnectionMultiplexer _connection;
    private readonly bool _ownsConnection;
    private readonly RedisChannel _channel;
    private ChannelMessageQueue? _queue;
    private int _gapPending;

    /// <summary>Creates a bus over a multiplexer; it subscribes on first use.</summary>
    /// <param name="connection">The Redis connection.</param>
    /// <param name="options">Settings (the channel).</param>
    /// <param name="ownsConnection">Dispose <paramref name="connection"/> with the bus.</param>
    /// <param name="logger">Logging; none when null.</param>
    /// <param name="diagnostics">Metrics; none when null.</param>
    public RedisEventBus(IConnectionMultiplexer connection, RedisBusOptions options, bool ownsConnection = false, ILogger<RedisEventBus>? logger = null, CoherenceDiagnostics? diagnostics = null)
        : base("redis", logger, diagnostics)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Channel);
        _connection = connection;
        _ownsConnection = ownsConnection;
        _channel = RedisChannel.Literal(options.Channel);
        Channel = options.Channel;
        _connection.ConnectionFailed += OnConnectionFailed;
        _connection.ConnectionRestored += OnConnectionRestored;
    }

    /// <summary>The channel signals travel on.</summary>
    public string Channel { get; }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        _connection.ConnectionFailed -= OnConnectionFailed;
        _connection.ConnectionRestored -= OnConnectionRestored;
        if (_queue is not null)
        {
            await _queue.UnsubscribeAsync().ConfigureAwait(false);
        }

        if (_ownsConnection)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Returns once the server confirmed the subscription; messages are handled one at a time, in order.
        _queue = await _connection.GetSubscriber().SubscribeAsync(_channel).ConfigureAwait(false);
        _queue.OnMessage(async message =>
        {
            ReportGapIfPending();
            await OnMessageAsync((ReadOnlyMemory<byte>)message.Message).ConfigureAwait(false);
        });
    }

    /// <inheritdoc />
    protected override async ValueTask PublishRawAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken) =>
        await _connection.GetSubscriber().PublishAsync(_channel, message).ConfigureAwait(false);

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs args)
    {
        if (args.ConnectionType == ConnectionType.Subscription)
        {
            Volatile.Write(ref _gapPending, 1);
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs args)
    {
        if (args.ConnectionType == ConnectionType.Subscription)
        {
            ReportGapIfPending();
        }
    }

    private void ReportGapIfPending()
    {
        if (Interlocked.Exchange(ref _gapPending, 0) == 1)
        {
            OnReconnected();
        }
    }
}

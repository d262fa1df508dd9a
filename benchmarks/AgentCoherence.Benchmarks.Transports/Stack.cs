using System.Diagnostics;
using AgentCoherence.Kafka;
using AgentCoherence.MassTransit;
using AgentCoherence.Nats;
using AgentCoherence.Redis;
using AgentCoherence.Testing.Servers;
using Confluent.Kafka;
using MassTransit;
using NATS.Client.Core;
using StackExchange.Redis;
using AgentCoherence.Signals;

namespace AgentCoherence.Benchmarks.Transports;

/// <summary>One transport's server, a factory of buses over new connections, and the broker client's own round trip.</summary>
internal abstract class Stack : IAsyncDisposable
{
    public abstract string Name { get; }

    public static async Task<Stack> StartAsync(string name) => name switch
    {
        "redis" => await RedisStack.StartAsync(),
        "nats" => await NatsStack.StartAsync(),
        "kafka" => await KafkaStack.StartAsync(),
        "masstransit" => await MassTransitStack.StartAsync(),
        _ => throw new ArgumentException($"unknown transport {name}"),
    };

    public abstract Task<IEventBus> NewBusAsync();

    /// <summary>Publishes one small message with the broker's own client and waits until its own subscriber has it.</summary>
    public abstract Task<TimeSpan> RawRoundTripAsync();

    public abstract ValueTask DisposeAsync();

    protected static readonly byte[] Payload = SignalCodec.Encode(new InvalidationSignal(new ArtifactKey("bench", "doc"), 1, new AgentId("writer"), SignalKind.Commit, new AgentId("reader")));

    private sealed class RedisStack(RedisServer server, ConnectionMultiplexer publisher, ConnectionMultiplexer subscriber) : Stack
    {
        private static readonly RedisChannel Raw = RedisChannel.Literal("bench:raw");
        private TaskCompletionSource? _pending;

        public override string Name => "Redis pub/sub";

        public static async Task<Stack> StartAsync()
        {
            var server = await RedisServer.StartAsync();
            var stack = new RedisStack(server, await ConnectionMultiplexer.ConnectAsync(server.ConnectionString), await ConnectionMultiplexer.ConnectAsync(server.ConnectionString));
            (await stack.Subscriber.GetSubscriber().SubscribeAsync(Raw)).OnMessage(_ => stack._pending?.TrySetResult());
            return stack;
        }

        private ConnectionMultiplexer Subscriber => subscriber;

        public override async Task<IEventBus> NewBusAsync() =>
            new RedisEventBus(await ConnectionMultiplexer.ConnectAsync(server.ConnectionString), new RedisBusOptions(), ownsConnection: true);

        public override async Task<TimeSpan> RawRoundTripAsync()
        {
            _pending = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var started = Stopwatch.GetTimestamp();
            await publisher.GetSubscriber().PublishAsync(Raw, Payload);
            await _pending.Task;
            return Stopwatch.GetElapsedTime(started);
        }

        public override async ValueTask DisposeAsync()
        {
            await publisher.DisposeAsync();
            await subscriber.DisposeAsync();
            await server.DisposeAsync();
        }
    }

    private sealed class NatsStack(NatsServer server, NatsConnection publisher, NatsConnection subscriber) : Stack
    {
        private TaskCompletionSource? _pending;
        private Task? _pump;

        public override string Name => "NATS";

        public static async Task<Stack> StartAsync()
        {
            var server = await NatsServer.StartAsync();
            var stack = new NatsStack(server, new NatsConnection(NatsOpts.Default with { Url = server.Url }), new NatsConnection(NatsOpts.Default with { Url = server.Url }));
            var sub = await stack.Subscriber.SubscribeCoreAsync<byte[]>("bench.raw");
            await stack.Subscriber.PingAsync();
            stack._pump = Task.Run(async () =>
            {
                await foreach (var _ in sub.Msgs.ReadAllAsync())
                {
                    stack._pending?.TrySetResult();
                }
            });
            return stack;
        }

        private NatsConnection Subscriber => subscriber;

        public override Task<IEventBus> NewBusAsync() => Task.FromResult<IEventBus>(new NatsEventBus(new NatsBusOptions { Url = server.Url }));

        public override async Task<TimeSpan> RawRoundTripAsync()
        {
            _pending = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var started = Stopwatch.GetTimestamp();
            await publisher.PublishAsync("bench.raw", Payload);
            await _pending.Task;
            return Stopwatch.GetElapsedTime(started);
        }

        public override async ValueTask DisposeAsync()
        {
            await publisher.DisposeAsync();
            await subscriber.DisposeAsync();
            await server.DisposeAsync();
        }
    }

    private sealed class KafkaStack : Stack
    {
        private readonly KafkaMockCluster _cluster = new();
        private readonly IProducer<Null, byte[]> _producer;
        private readonly IConsumer<Ignore, byte[]> _consumer;
        private readonly CancellationTokenSource _stop = new();
        private readonly Thread _pump;
        private TaskCompletionSource? _pending;
        private int _topics;

        private KafkaStack()
        {
            _cluster.CreateTopic("bench-raw");
            _producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers, LingerMs = 0, Acks = Acks.Leader }).Build();
            _consumer = new ConsumerBuilder<Ignore, byte[]>(new ConsumerConfig
            {
                BootstrapServers = _cluster.BootstrapServers,
                GroupId = "bench-raw",
                EnableAutoCommit = false,
                FetchWaitMaxMs = 100,
            }).Build();
            var partition = new TopicPartition("bench-raw", 0);
            _consumer.Assign(new TopicPartitionOffset(partition, _consumer.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(10)).High));
            _pump = new Thread(() =>
            {
                try
                {
                    while (true)
                    {
                        if (_consumer.Consume(_stop.Token)?.Message is not null)
                        {
                            _pending?.TrySetResult();
                        }
                    }
                }
                catch (OperationCanceledException)
                {
                }
            }) { IsBackground = true };
            _pump.Start();
        }

        public override string Name => "Kafka (librdkafka mock cluster)";

        public static Task<Stack> StartAsync() => Task.FromResult<Stack>(new KafkaStack());

        public override Task<IEventBus> NewBusAsync()
        {
            // Buses made for one measurement share a topic; each measurement gets a fresh one.
            var topic = "bench-signals-" + (Volatile.Read(ref _topics) / 2);
            if (Interlocked.Increment(ref _topics) % 2 == 1)
            {
                _cluster.CreateTopic(topic);
            }

            return Task.FromResult<IEventBus>(new KafkaEventBus(new KafkaBusOptions { BootstrapServers = _cluster.BootstrapServers, Topic = topic, CreateTopic = false }));
        }

        public override async Task<TimeSpan> RawRoundTripAsync()
        {
            _pending = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var started = Stopwatch.GetTimestamp();
            _producer.Produce("bench-raw", new Message<Null, byte[]> { Value = Payload });
            await _pending.Task;
            return Stopwatch.GetElapsedTime(started);
        }

        public override ValueTask DisposeAsync()
        {
            _stop.Cancel();
            _pump.Join();
            _consumer.Close();
            _consumer.Dispose();
            _producer.Dispose();
            _cluster.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    private sealed class MassTransitStack(RabbitMqServer server, IBusControl raw) : Stack
    {
        private static TaskCompletionSource? s_pending;

        public override string Name => "MassTransit (RabbitMQ)";

        public static async Task<Stack> StartAsync()
        {
            var server = await RabbitMqServer.StartAsync();
            var raw = Bus.Factory.CreateUsingRabbitMq(cfg =>
            {
                cfg.Host("127.0.0.1", (ushort)server.Port, "/", h =>
                {
                    h.Username("guest");
                    h.Password("guest");
                });
                cfg.ReceiveEndpoint((IRabbitMqReceiveEndpointConfigurator e) => e.Handler<RawPing>(_ =>
                {
                    s_pending?.TrySetResult();
                    return Task.CompletedTask;
                }));
            });
            await raw.StartAsync();
            return new MassTransitStack(server, raw);
        }

        public override Task<IEventBus> NewBusAsync() =>
            Task.FromResult<IEventBus>(new MassTransitEventBus(new MassTransitBusOptions { Host = "127.0.0.1", Port = (ushort)server.Port }));

        public override async Task<TimeSpan> RawRoundTripAsync()
        {
            s_pending = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var started = Stopwatch.GetTimestamp();
            await raw.Publish(new RawPing { Payload = Payload });
            await s_pending.Task;
            return Stopwatch.GetElapsedTime(started);
        }

        public override async ValueTask DisposeAsync()
        {
            await raw.StopAsync();
            await server.DisposeAsync();
        }
    }
}

/// <summary>The raw MassTransit message: the same bytes as a signal envelope, without the bus around it.</summary>
public sealed record RawPing
{
    public byte[]? Payload { get; init; }
}

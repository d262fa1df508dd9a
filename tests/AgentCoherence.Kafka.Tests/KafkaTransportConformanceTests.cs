using AgentCoherence.Testing;
using AgentCoherence.Testing.Servers;
using Confluent.Kafka;
using AgentCoherence.Signals;

namespace AgentCoherence.Kafka.Tests;

/// <summary>
/// The transport conformance suite over Kafka: librdkafka's mock cluster by default, a real cluster
/// when <c>KAFKA_BOOTSTRAP_SERVERS</c> is set. Each test class instance uses its own topic, so no
/// test reads another's signals. On the mock cluster a "cut" takes the broker down for 200 ms (it
/// closes every connection) and a "restart" takes it down for 3 s; the broker keeps its log, which
/// a real restart with persistent storage does too. The broker process itself is not restarted, and
/// on the mock cluster the topic is made through the mock API rather than CreateTopics.
/// </summary>
public sealed class KafkaTransportConformanceTests(KafkaFixture kafka) : TransportConformanceTests, IClassFixture<KafkaFixture>
{
    private readonly string _topic = "conformance-" + Guid.NewGuid().ToString("N")[..8];
    private IProducer<Null, byte[]>? _raw;

    public override Task InitializeAsync()
    {
        kafka.CreateTopicOnMock(_topic);
        return base.InitializeAsync();
    }

    protected override Task<IEventBus> CreateBusAsync() =>
        Task.FromResult<IEventBus>(new KafkaEventBus(Options()));

    protected override async Task PublishRawAsync(byte[] message)
    {
        _raw ??= new ProducerBuilder<Null, byte[]>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers, LingerMs = 0 }).Build();
        await _raw.ProduceAsync(_topic, new Message<Null, byte[]> { Value = message });
    }

    protected override Task CutConnectionsAsync() => kafka.CutConnectionsAsync(TimeSpan.FromMilliseconds(200));

    protected override Task RestartBrokerAsync() => kafka.CutConnectionsAsync(TimeSpan.FromSeconds(3));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _raw?.Dispose();
    }

    private KafkaBusOptions Options() => new()
    {
        BootstrapServers = kafka.BootstrapServers,
        Topic = _topic,

        // librdkafka's mock cluster answers no CreateTopics (the fixture made the topic through the
        // mock API); a real cluster exercises CreateTopics.
        CreateTopic = !kafka.IsMock,
        Properties =
        {
            ["reconnect.backoff.ms"] = "50",
            ["reconnect.backoff.max.ms"] = "500",
        },
    };
}

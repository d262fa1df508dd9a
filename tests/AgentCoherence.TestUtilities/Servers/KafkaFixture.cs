using Xunit;

namespace AgentCoherence.Testing.Servers;

/// <summary>
/// Kafka for a test class: a real cluster at <c>KAFKA_BOOTSTRAP_SERVERS</c> when set, else librdkafka's
/// mock cluster in the test process (always available: it ships inside Confluent.Kafka). Connection
/// cuts and restarts work on the mock cluster only (see <see cref="KafkaMockCluster"/>); against a
/// real cluster those tests skip.
/// </summary>
public sealed class KafkaFixture : IDisposable
{
    private readonly KafkaMockCluster? _mock;

    /// <summary>Starts the mock cluster unless a real one is configured.</summary>
    public KafkaFixture()
    {
        var external = Environment.GetEnvironmentVariable("KAFKA_BOOTSTRAP_SERVERS");
        if (!string.IsNullOrWhiteSpace(external))
        {
            BootstrapServers = external;
            return;
        }

        _mock = new KafkaMockCluster();
        BootstrapServers = _mock.BootstrapServers;
    }

    /// <summary>The brokers.</summary>
    public string BootstrapServers { get; }

    /// <summary>True on the mock cluster.</summary>
    public bool IsMock => _mock is not null;

    /// <summary>Creates a one-partition topic on the mock cluster; a real cluster gets it from the bus (CreateTopics).</summary>
    public void CreateTopicOnMock(string topic) => _mock?.CreateTopic(topic);

    /// <summary>
    /// Cuts every client connection to the broker: the mock broker closes them and refuses new ones
    /// for <paramref name="downFor"/>, then accepts again. Clients must notice and reconnect.
    /// </summary>
    public async Task CutConnectionsAsync(TimeSpan downFor)
    {
        Skip.If(_mock is null, "KAFKA_BOOTSTRAP_SERVERS points at a real cluster, which the tests do not disturb.");
        _mock!.SetBrokerDown();
        await Task.Delay(downFor).ConfigureAwait(false);
        _mock.SetBrokerUp();
    }

    /// <inheritdoc />
    public void Dispose() => _mock?.Dispose();
}

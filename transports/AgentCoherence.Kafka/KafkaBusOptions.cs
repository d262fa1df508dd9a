using Confluent.Kafka;

namespace AgentCoherence.Kafka;

/// <summary>Settings of the Kafka signal bus, bound from <c>AgentCoherence:Transport:Kafka</c>.</summary>
public sealed class KafkaBusOptions
{
    /// <summary>
    /// The brokers, <c>host:port</c> comma-separated. Required when the settings come from configuration;
    /// in code the default is <c>127.0.0.1:9092</c>.
    /// </summary>
    public string BootstrapServers { get; set; } = "127.0.0.1:9092";

    /// <summary>The topic every process produces to and reads from.</summary>
    public string Topic { get; set; } = "agentcoherence.signals";

    /// <summary>Create the topic at start-up when it does not exist. Off when the cluster's topics are managed elsewhere.</summary>
    public bool CreateTopic { get; set; } = true;

    /// <summary>Partitions of a topic created here, at least 1. One keeps signals in publish order.</summary>
    public int TopicPartitions { get; set; } = 1;

    /// <summary>Replication factor of a topic created here: -1 takes the broker's default, else at least 1.</summary>
    public short TopicReplicationFactor { get; set; } = -1;

    /// <summary>The client id the brokers log.</summary>
    public string ClientId { get; set; } = "agentcoherence";

    /// <summary>How long the producer waits to batch, 0 to 900000 ms; 0 sends each signal at once (signals are latency-bound, not throughput-bound).</summary>
    public int LingerMs { get; set; }

    /// <summary>
    /// How long start-up waits for the brokers, the topic's metadata and offsets (at most 10 minutes); the
    /// client's <c>AgentCoherence:StartTimeout</c> bounds it too, whichever ends first.
    /// </summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Further librdkafka properties for every client (producer, consumer, admin), e.g.
    /// <c>security.protocol</c>, <c>sasl.mechanism</c>, <c>sasl.username</c>, <c>sasl.password</c>, <c>ssl.ca.location</c>.
    /// </summary>
    public Dictionary<string, string> Properties { get; set; } = [];

    /// <summary>The client configuration shared by every client of the bus.</summary>
    internal ClientConfig ToClientConfig()
    {
        var config = new ClientConfig(new Dictionary<string, string>(Properties))
        {
            BootstrapServers = BootstrapServers,
            ClientId = ClientId,
        };
        return config;
    }
}

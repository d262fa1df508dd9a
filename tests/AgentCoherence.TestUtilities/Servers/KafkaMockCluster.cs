using System.Reflection;
using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace AgentCoherence.Testing.Servers;

/// <summary>
/// librdkafka's built-in mock Kafka cluster (<c>test.mock.num.brokers</c>), owned by one admin client
/// in the test process; its brokers listen on loopback ports that other clients reach through
/// <see cref="BootstrapServers"/>. <see cref="SetBrokerDown"/> and <see cref="SetBrokerUp"/> call
/// librdkafka's mock API (not wrapped by Confluent.Kafka): down closes every client connection to the
/// broker and refuses new ones; up accepts them again. The broker keeps its log throughout.
/// </summary>
public sealed partial class KafkaMockCluster : IDisposable
{
    private const string Librdkafka = "agentcoherence-librdkafka";

    private readonly IAdminClient _owner;

    static KafkaMockCluster()
    {
        // The mock API must be called in the very library instance that made the cluster, and
        // Confluent.Kafka picks one of several builds at run time: resolve to the one it loaded.
        NativeLibrary.SetDllImportResolver(typeof(KafkaMockCluster).Assembly, (name, _, _) =>
            name == Librdkafka && LoadedLibrdkafka() is { } path ? NativeLibrary.Load(path) : IntPtr.Zero);
    }
    private readonly IntPtr _cluster;

    /// <summary>Starts a mock cluster of <paramref name="brokers"/> brokers.</summary>
    public KafkaMockCluster(int brokers = 1)
    {
        var config = new AdminClientConfig { BootstrapServers = "unused:0" };
        config.Set("test.mock.num.brokers", brokers.ToString(System.Globalization.CultureInfo.InvariantCulture));
        _owner = new AdminClientBuilder(config).Build();

        // Confluent.Kafka keeps the native rd_kafka_t handle internal; the mock API needs it.
        var handle = typeof(Handle).GetProperty("LibrdkafkaHandle", BindingFlags.NonPublic | BindingFlags.Instance)?.GetValue(_owner.Handle) as SafeHandle
            ?? throw new InvalidOperationException("Confluent.Kafka no longer exposes Handle.LibrdkafkaHandle; update KafkaMockCluster.");
        _cluster = rd_kafka_handle_mock_cluster(handle.DangerousGetHandle());
        if (_cluster == IntPtr.Zero)
        {
            throw new InvalidOperationException("The client has no mock cluster.");
        }

        BootstrapServers = Marshal.PtrToStringUTF8(rd_kafka_mock_cluster_bootstraps(_cluster))
            ?? throw new InvalidOperationException("The mock cluster reported no bootstrap servers.");
    }

    /// <summary>The mock brokers' addresses.</summary>
    public string BootstrapServers { get; }

    /// <summary>Closes every connection to the broker and refuses new ones.</summary>
    public void SetBrokerDown(int brokerId = 1) => Check(rd_kafka_mock_broker_set_down(_cluster, brokerId));

    /// <summary>Accepts connections to the broker again.</summary>
    public void SetBrokerUp(int brokerId = 1) => Check(rd_kafka_mock_broker_set_up(_cluster, brokerId));

    /// <summary>
    /// Creates a topic (the mock cluster answers no CreateTopics request; unasked, it auto-creates topics
    /// with several partitions, which would not keep one publisher's order).
    /// </summary>
    public void CreateTopic(string topic, int partitions = 1) => Check(rd_kafka_mock_topic_create(_cluster, topic, partitions, 1));

    /// <inheritdoc />
    public void Dispose() => _owner.Dispose();

    private static string? LoadedLibrdkafka() =>
        File.ReadLines("/proc/self/maps")
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault())
            .FirstOrDefault(path => path is not null && path.StartsWith('/') && Path.GetFileName(path).Contains("librdkafka", StringComparison.Ordinal));

    private static void Check(int error)
    {
        if (error != 0)
        {
            throw new InvalidOperationException($"librdkafka mock call failed with error {error}.");
        }
    }

    [LibraryImport(Librdkafka)]
    private static partial IntPtr rd_kafka_handle_mock_cluster(IntPtr rk);

    [LibraryImport(Librdkafka)]
    private static partial IntPtr rd_kafka_mock_cluster_bootstraps(IntPtr mcluster);

    [LibraryImport(Librdkafka, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int rd_kafka_mock_topic_create(IntPtr mcluster, string topic, int partitionCount, int replicationFactor);

    [LibraryImport(Librdkafka)]
    private static partial int rd_kafka_mock_broker_set_down(IntPtr mcluster, int brokerId);

    [LibraryImport(Librdkafka)]
    private static partial int rd_kafka_mock_broker_set_up(IntPtr mcluster, int brokerId);
}

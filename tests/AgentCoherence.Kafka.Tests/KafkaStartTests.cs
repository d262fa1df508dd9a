using AgentCoherence.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentCoherence.Kafka.Tests;

/// <summary>The Kafka bus connects when the client starts, within the start timeout, says what failed, and logs through ILogger.</summary>
public sealed class KafkaStartTests
{
    /// <summary>Guards a wait that the start timeout must end first; never reached when the code works.</summary>
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task No_broker_fails_host_start_within_the_start_timeout_naming_the_setting_the_address_and_the_cause()
    {
        var servers = $"127.0.0.1:{ClosedPort.Get()}";
        await using var provider = ConfiguredServices.WithTransportFromConfiguration(("AgentCoherence:StartTimeout", "00:00:03"), ("AgentCoherence:Transport:Kind", "Kafka"), ("AgentCoherence:Transport:Kafka:BootstrapServers", servers));

        var error = await Assert.ThrowsAsync<TransportUnavailableException>(() => ConfiguredServices.StartHostedServicesAsync<KafkaBusOptions>(provider).WaitAsync(Hang));

        Assert.Contains("AgentCoherence:Transport:Kafka:BootstrapServers", error.Message, StringComparison.Ordinal);
        Assert.Contains(servers, error.Message, StringComparison.Ordinal);
        Assert.Contains("refused", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_topic_with_no_partitions_is_refused_naming_the_setting()
    {
        var error = Assert.Throws<OptionsValidationException>(() => new KafkaEventBus(new KafkaBusOptions { TopicPartitions = 0 }));

        Assert.Contains("AgentCoherence:Transport:Kafka:TopicPartitions must be at least 1 (got 0)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bootstrap_server_without_a_port_is_refused_naming_the_setting()
    {
        var error = Assert.Throws<OptionsValidationException>(() => new KafkaEventBus(new KafkaBusOptions { BootstrapServers = "kafka-1:9092,kafka-2" }));

        Assert.Contains("AgentCoherence:Transport:Kafka:BootstrapServers entry 'kafka-2' is not host:port", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Topic", "two words")]
    [InlineData("TopicReplicationFactor", "0")]
    [InlineData("LingerMs", "-1")]
    public async Task An_invalid_setting_from_configuration_fails_start_naming_it(string setting, string value)
    {
        await using var provider = ConfiguredServices.WithTransportFromConfiguration(
            ("AgentCoherence:Transport:Kind", "Kafka"),
            ("AgentCoherence:Transport:Kafka:BootstrapServers", "kafka:9092"),
            ($"AgentCoherence:Transport:Kafka:{setting}", value));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => ConfiguredServices.StartHostedServicesAsync<KafkaBusOptions>(provider).WaitAsync(Hang));

        Assert.Contains($"AgentCoherence:Transport:Kafka:{setting}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_misspelled_key_fails_start_while_any_librdkafka_property_is_accepted()
    {
        await using var provider = ConfiguredServices.WithTransportFromConfiguration(
            ("AgentCoherence:Transport:Kind", "Kafka"),
            ("AgentCoherence:Transport:Kafka:BootstrapServers", "kafka:9092"),
            ("AgentCoherence:Transport:Kafka:Properties:sasl.mechanism", "PLAIN"),
            ("AgentCoherence:Transport:Kafka:TopicPartition", "3"));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => ConfiguredServices.StartHostedServicesAsync<KafkaBusOptions>(provider).WaitAsync(Hang));

        Assert.Contains("AgentCoherence:Transport:Kafka:TopicPartition is not a setting of KafkaBusOptions", error.Message, StringComparison.Ordinal);
        Assert.Contains("TopicPartitions", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("sasl.mechanism", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_bootstrap_servers_in_configuration_fail_start_rather_than_connecting_to_localhost()
    {
        await using var provider = ConfiguredServices.WithTransportFromConfiguration(("AgentCoherence:Transport:Kind", "Kafka"), ("AgentCoherence:Transport:Kafka:Topic", "signals"));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => ConfiguredServices.StartHostedServicesAsync<KafkaBusOptions>(provider).WaitAsync(Hang));

        Assert.Contains("AgentCoherence:Transport:Kafka:BootstrapServers is not set", error.Message, StringComparison.Ordinal);
    }

}

/// <summary>Tests that replace the process's stderr run alone.</summary>
[CollectionDefinition(nameof(StandardErrorCollection), DisableParallelization = true)]
public sealed class StandardErrorCollection;

[Collection(nameof(StandardErrorCollection))]
public sealed class KafkaLoggingTests
{
    [SkippableFact]
    public async Task Librdkafka_lines_reach_the_logger_at_their_level_and_none_reach_stderr()
    {
        Skip.IfNot(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "stderr is captured at the file descriptor, which needs a Unix libc");
        var capture = new CapturingLoggerProvider();
        var broker = $"127.0.0.1:{ClosedPort.Get()}";
        var options = new KafkaBusOptions { BootstrapServers = broker, StartTimeout = TimeSpan.FromSeconds(3) };

        var stderr = await NativeStandardError.CaptureAsync(async () =>
        {
            await using var bus = new KafkaEventBus(options, capture.CreateLogger<KafkaEventBus>());
            await Assert.ThrowsAsync<TransportUnavailableException>(() => bus.ConnectAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(90)));
        });

        var failed = capture.Entries.First(e => e.EventId.Id == 3203 && e.Message.Contains("refused", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(LogLevel.Error, failed.Level);
        // librdkafka's own lines name the broker ("%3|...|FAIL|agentcoherence#producer-1| ... Connect to ipv4#127.0.0.1:...").
        Assert.DoesNotContain(broker, stderr, StringComparison.Ordinal);
    }
}

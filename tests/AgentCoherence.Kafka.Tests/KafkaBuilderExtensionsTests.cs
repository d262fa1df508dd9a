using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using AgentCoherence.Signals;

namespace AgentCoherence.Kafka.Tests;

public sealed class KafkaBuilderExtensionsTests
{
    [Fact]
    public async Task UseKafka_binds_its_settings_and_librdkafka_properties_from_the_transport_section()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AgentCoherence:Transport:Kind"] = "Kafka",
            ["AgentCoherence:Transport:Kafka:BootstrapServers"] = "kafka.example:9093",
            ["AgentCoherence:Transport:Kafka:Topic"] = "team-a-signals",
            ["AgentCoherence:Transport:Kafka:Properties:security.protocol"] = "SASL_SSL",
        }).Build();
        var services = new ServiceCollection();
        services.AddAgentCoherence(configuration.GetSection("AgentCoherence"))
            .UseKafka(configuration.GetSection("AgentCoherence:Transport:Kafka"));
        await using var provider = services.BuildServiceProvider();

        var bus = Assert.IsType<KafkaEventBus>(provider.GetRequiredService<IEventBus>());

        Assert.Equal("team-a-signals", bus.Topic);
        var options = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<KafkaBusOptions>>().Value;
        var config = options.ToClientConfig();
        Assert.Equal("kafka.example:9093", config.BootstrapServers);
        Assert.Equal("SASL_SSL", config.Get("security.protocol"));
    }

    [Fact]
    public async Task UseKafka_in_code_replaces_the_in_memory_bus()
    {
        var services = new ServiceCollection();
        services.AddAgentCoherence().UseKafka(o => o.Topic = "custom-topic");
        await using var provider = services.BuildServiceProvider();

        var bus = Assert.IsType<KafkaEventBus>(provider.GetRequiredService<IEventBus>());
        Assert.Equal("custom-topic", bus.Topic);
    }

    [Fact]
    public async Task The_transport_kind_in_configuration_selects_the_kafka_bus()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AgentCoherence:Transport:Kind"] = "kafka",
            ["AgentCoherence:Transport:Kafka:BootstrapServers"] = "127.0.0.1:9092",
        }).Build();
        var services = new ServiceCollection();
        services.AddAgentCoherence(configuration.GetSection("AgentCoherence"))
            .UseTransportFromConfiguration(configuration.GetSection("AgentCoherence"));
        await using var provider = services.BuildServiceProvider();

        Assert.IsType<KafkaEventBus>(provider.GetRequiredService<IEventBus>());
    }
}

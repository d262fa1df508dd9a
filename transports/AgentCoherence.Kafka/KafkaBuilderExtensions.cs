using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentCoherence.Kafka;

/// <summary>Registers the Kafka signal bus on the AgentCoherence builder.</summary>
public static class KafkaBuilderExtensions
{
    /// <summary>Carries signals over Kafka, with settings set in code.</summary>
    /// <example><c>services.AddAgentCoherence().UseKafka(o => o.BootstrapServers = "kafka:9092");</c></example>
    public static AgentCoherenceBuilder UseKafka(this AgentCoherenceBuilder builder, Action<KafkaBusOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Configure(configure);
        return Register(builder);
    }

    /// <summary>
    /// Carries signals over Kafka, with settings bound from a configuration section, usually
    /// <c>configuration.GetSection("AgentCoherence:Transport:Kafka")</c>.
    /// </summary>
    public static AgentCoherenceBuilder UseKafka(this AgentCoherenceBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        builder.Services.Configure<KafkaBusOptions>(section);
        return Register(builder);
    }

    private static AgentCoherenceBuilder Register(AgentCoherenceBuilder builder) =>
        builder.UseEventBus(sp => new KafkaEventBus(
            sp.GetRequiredService<IOptions<KafkaBusOptions>>().Value,
            sp.GetService<ILogger<KafkaEventBus>>(),
            sp.GetService<CoherenceDiagnostics>()));
}

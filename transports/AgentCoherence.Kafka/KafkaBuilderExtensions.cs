using AgentCoherence;
using AgentCoherence.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using AgentCoherence.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Kafka signal bus on the AgentCoherence builder.</summary>
public static class KafkaBuilderExtensions
{
    /// <summary>Carries signals over Kafka, with settings set in code.</summary>
    /// <example><c>services.AddAgentCoherence().UseKafka(o => o.BootstrapServers = "kafka:9092");</c></example>
    public static AgentCoherenceBuilder UseKafka(this AgentCoherenceBuilder builder, Action<KafkaBusOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.UseEventBus(configure, Create);
    }

    /// <summary>
    /// Carries signals over Kafka, with settings bound from a configuration section, usually
    /// <c>configuration.GetSection("AgentCoherence:Transport:Kafka")</c>.
    /// </summary>
    public static AgentCoherenceBuilder UseKafka(this AgentCoherenceBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.UseEventBus<KafkaBusOptions>(section, Create);
    }

    private static KafkaEventBus Create(IServiceProvider services, KafkaBusOptions options) =>
        new(options, services.GetService<ILogger<KafkaEventBus>>(), services.GetService<CoherenceDiagnostics>());
}

using AgentCoherence;
using AgentCoherence.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using AgentCoherence.Kafka.Internal;
using AgentCoherence.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Kafka signal bus on the AgentCoherence builder.</summary>
public static class KafkaBuilderExtensions
{
    /// <summary>Carries signals over Kafka, with settings set in code.</summary>
    /// <example><c>services.AddAgentCoherence().UseKafka(o => o.BootstrapServers = "kafka:9092");</c></example>
    /// <remarks>The settings are validated at start; the bus connects when the client starts (see <see cref="CoherenceClient.StartAsync"/>).</remarks>
    public static AgentCoherenceBuilder UseKafka(this AgentCoherenceBuilder builder, Action<KafkaBusOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Validate(builder);
        return builder.UseEventBus(configure, Create);
    }

    /// <summary>
    /// Carries signals over Kafka, with settings bound from a configuration section, usually
    /// <c>configuration.GetSection("AgentCoherence:Transport:Kafka")</c>.
    /// </summary>
    /// <remarks>
    /// <c>BootstrapServers</c> must be set there (no fallback to localhost); a key that names no setting
    /// fails start (under <c>Properties</c> any librdkafka property is accepted), and so does an invalid
    /// setting. The bus connects when the client starts (see <see cref="CoherenceClient.StartAsync"/>).
    /// </remarks>
    public static AgentCoherenceBuilder UseKafka(this AgentCoherenceBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Validate(builder);
        builder.BindOptions<KafkaBusOptions>(section, nameof(KafkaBusOptions.BootstrapServers));
        return builder.UseEventBus(sp => Create(sp, sp.GetRequiredService<IOptions<KafkaBusOptions>>().Value));
    }

    private static void Validate(AgentCoherenceBuilder builder)
    {
        builder.Services.AddOptions<KafkaBusOptions>().ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KafkaBusOptions>, KafkaBusOptionsValidator>());
    }

    private static KafkaEventBus Create(IServiceProvider services, KafkaBusOptions options) =>
        new(options, services.GetService<ILogger<KafkaEventBus>>(), services.GetService<CoherenceDiagnostics>());
}

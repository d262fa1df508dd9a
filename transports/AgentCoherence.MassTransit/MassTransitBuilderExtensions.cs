using AgentCoherence;
using AgentCoherence.MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using AgentCoherence.MassTransit.Internal;
using AgentCoherence.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the MassTransit signal bus on the AgentCoherence builder.</summary>
public static class MassTransitBuilderExtensions
{
    /// <summary>Carries signals over MassTransit, with settings set in code.</summary>
    /// <example><c>services.AddAgentCoherence().UseMassTransit(o => o.Host = "rabbitmq");</c></example>
    /// <remarks>The settings are validated at start; the bus connects when the client starts (see <see cref="CoherenceClient.StartAsync"/>).</remarks>
    public static AgentCoherenceBuilder UseMassTransit(this AgentCoherenceBuilder builder, Action<MassTransitBusOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Validate(builder);
        return builder.UseEventBus(configure, Create);
    }

    /// <summary>
    /// Carries signals over MassTransit, with settings bound from a configuration section, usually
    /// <c>configuration.GetSection("AgentCoherence:Transport:MassTransit")</c>.
    /// </summary>
    /// <remarks>
    /// With RabbitMQ (the default kind) <c>Host</c> must be set there (no fallback to localhost); a key that
    /// names no setting fails start, and so does an invalid setting. The bus connects when the client starts
    /// (see <see cref="CoherenceClient.StartAsync"/>).
    /// </remarks>
    public static AgentCoherenceBuilder UseMassTransit(this AgentCoherenceBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        Validate(builder);
        var inMemory = string.Equals(section[nameof(MassTransitBusOptions.Kind)], nameof(MassTransitBusKind.InMemory), StringComparison.OrdinalIgnoreCase);
        builder.BindOptions<MassTransitBusOptions>(section, inMemory ? [] : [nameof(MassTransitBusOptions.Host)]);
        return builder.UseEventBus(sp => Create(sp, sp.GetRequiredService<IOptions<MassTransitBusOptions>>().Value));
    }

    private static void Validate(AgentCoherenceBuilder builder)
    {
        builder.Services.AddOptions<MassTransitBusOptions>().ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MassTransitBusOptions>, MassTransitBusOptionsValidator>());
    }

    private static MassTransitEventBus Create(IServiceProvider services, MassTransitBusOptions options) =>
        new(options, services.GetService<ILogger<MassTransitEventBus>>(), services.GetService<CoherenceDiagnostics>());
}

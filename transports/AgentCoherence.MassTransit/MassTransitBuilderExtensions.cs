using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentCoherence.MassTransit;

/// <summary>Registers the MassTransit signal bus on the AgentCoherence builder.</summary>
public static class MassTransitBuilderExtensions
{
    /// <summary>Carries signals over MassTransit, with settings set in code.</summary>
    /// <example><c>services.AddAgentCoherence().UseMassTransit(o => o.Host = "rabbitmq");</c></example>
    public static AgentCoherenceBuilder UseMassTransit(this AgentCoherenceBuilder builder, Action<MassTransitBusOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Configure(configure);
        return Register(builder);
    }

    /// <summary>
    /// Carries signals over MassTransit, with settings bound from a configuration section, usually
    /// <c>configuration.GetSection("AgentCoherence:Transport:MassTransit")</c>.
    /// </summary>
    public static AgentCoherenceBuilder UseMassTransit(this AgentCoherenceBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        builder.Services.Configure<MassTransitBusOptions>(section);
        return Register(builder);
    }

    private static AgentCoherenceBuilder Register(AgentCoherenceBuilder builder) =>
        builder.UseEventBus(sp => new MassTransitEventBus(
            sp.GetRequiredService<IOptions<MassTransitBusOptions>>().Value,
            sp.GetService<ILogger<MassTransitEventBus>>(),
            sp.GetService<CoherenceDiagnostics>()));
}

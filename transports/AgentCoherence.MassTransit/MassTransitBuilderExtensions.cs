using AgentCoherence;
using AgentCoherence.MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using AgentCoherence.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the MassTransit signal bus on the AgentCoherence builder.</summary>
public static class MassTransitBuilderExtensions
{
    /// <summary>Carries signals over MassTransit, with settings set in code.</summary>
    /// <example><c>services.AddAgentCoherence().UseMassTransit(o => o.Host = "rabbitmq");</c></example>
    public static AgentCoherenceBuilder UseMassTransit(this AgentCoherenceBuilder builder, Action<MassTransitBusOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.UseEventBus(configure, Create);
    }

    /// <summary>
    /// Carries signals over MassTransit, with settings bound from a configuration section, usually
    /// <c>configuration.GetSection("AgentCoherence:Transport:MassTransit")</c>.
    /// </summary>
    public static AgentCoherenceBuilder UseMassTransit(this AgentCoherenceBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.UseEventBus<MassTransitBusOptions>(section, Create);
    }

    private static MassTransitEventBus Create(IServiceProvider services, MassTransitBusOptions options) =>
        new(options, services.GetService<ILogger<MassTransitEventBus>>(), services.GetService<CoherenceDiagnostics>());
}

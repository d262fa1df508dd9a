using AgentCoherence;
using AgentCoherence.Nats;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using AgentCoherence.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the NATS signal bus on the AgentCoherence builder.</summary>
public static class NatsBuilderExtensions
{
    /// <summary>Carries signals over NATS, with settings set in code.</summary>
    /// <example><c>services.AddAgentCoherence().UseNats(o => o.Url = "nats://nats:4222");</c></example>
    public static AgentCoherenceBuilder UseNats(this AgentCoherenceBuilder builder, Action<NatsBusOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.UseEventBus(configure, Create);
    }

    /// <summary>
    /// Carries signals over NATS, with settings bound from a configuration section, usually
    /// <c>configuration.GetSection("AgentCoherence:Transport:Nats")</c>.
    /// </summary>
    public static AgentCoherenceBuilder UseNats(this AgentCoherenceBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.UseEventBus<NatsBusOptions>(section, Create);
    }

    private static NatsEventBus Create(IServiceProvider services, NatsBusOptions options) =>
        new(options, services.GetService<ILogger<NatsEventBus>>(), services.GetService<CoherenceDiagnostics>());
}

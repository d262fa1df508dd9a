using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentCoherence.Nats;

/// <summary>Registers the NATS signal bus on the AgentCoherence builder.</summary>
public static class NatsBuilderExtensions
{
    /// <summary>Carries signals over NATS, with settings set in code.</summary>
    /// <example><c>services.AddAgentCoherence().UseNats(o => o.Url = "nats://nats:4222");</c></example>
    public static AgentCoherenceBuilder UseNats(this AgentCoherenceBuilder builder, Action<NatsBusOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Configure(configure);
        return Register(builder);
    }

    /// <summary>
    /// Carries signals over NATS, with settings bound from a configuration section, usually
    /// <c>configuration.GetSection("AgentCoherence:Transport:Nats")</c>.
    /// </summary>
    public static AgentCoherenceBuilder UseNats(this AgentCoherenceBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        builder.Services.Configure<NatsBusOptions>(section);
        return Register(builder);
    }

    private static AgentCoherenceBuilder Register(AgentCoherenceBuilder builder) =>
        builder.UseEventBus(sp => new NatsEventBus(
            sp.GetRequiredService<IOptions<NatsBusOptions>>().Value,
            sp.GetService<ILogger<NatsEventBus>>(),
            sp.GetService<CoherenceDiagnostics>()));
}

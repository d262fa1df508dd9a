using AgentCoherence;
using AgentCoherence.Nats;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using AgentCoherence.Nats.Internal;
using AgentCoherence.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the NATS signal bus on the AgentCoherence builder.</summary>
public static class NatsBuilderExtensions
{
    /// <summary>Carries signals over NATS, with settings set in code.</summary>
    /// <example><c>services.AddAgentCoherence().UseNats(o => o.Url = "nats://nats:4222");</c></example>
    /// <remarks>The settings are validated at start; the bus connects when the client starts (see <see cref="CoherenceClient.StartAsync"/>).</remarks>
    public static AgentCoherenceBuilder UseNats(this AgentCoherenceBuilder builder, Action<NatsBusOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Validate(builder);
        return builder.UseEventBus(configure, Create);
    }

    /// <summary>
    /// Carries signals over NATS, with settings bound from a configuration section, usually
    /// <c>configuration.GetSection("AgentCoherence:Transport:Nats")</c>.
    /// </summary>
    /// <remarks>
    /// <c>Url</c> must be set there (no fallback to localhost); a key that names no setting fails start, and
    /// so does an invalid setting. The bus connects when the client starts (see <see cref="CoherenceClient.StartAsync"/>).
    /// </remarks>
    public static AgentCoherenceBuilder UseNats(this AgentCoherenceBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Validate(builder);
        builder.BindOptions<NatsBusOptions>(section, nameof(NatsBusOptions.Url));
        return builder.UseEventBus(sp => Create(sp, sp.GetRequiredService<IOptions<NatsBusOptions>>().Value));
    }

    private static void Validate(AgentCoherenceBuilder builder)
    {
        builder.Services.AddOptions<NatsBusOptions>().ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<NatsBusOptions>, NatsBusOptionsValidator>());
    }

    private static NatsEventBus Create(IServiceProvider services, NatsBusOptions options) =>
        new(options, services.GetService<ILogger<NatsEventBus>>(), services.GetService<CoherenceDiagnostics>());
}

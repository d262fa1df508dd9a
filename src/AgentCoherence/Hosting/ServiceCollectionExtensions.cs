using AgentCoherence;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using AgentCoherence.Hosting;
using AgentCoherence.Internal;
using AgentCoherence.Protocol;
using AgentCoherence.Signals;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers AgentCoherence in a service collection.</summary>
public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Registers a <see cref="CoherenceClient"/> with options bound from <paramref name="configuration"/>
    /// (usually <c>configuration.GetSection("AgentCoherence")</c>) and validated at start-up, and the
    /// in-memory store and bus unless others are chosen on the builder.
    /// </summary>
    /// <remarks>
    /// The client runs the crash-recovery sweep on its own timer (see <see cref="CrashRecoveryOptions.Enabled"/>),
    /// with or without a host; under a host it is created when the host starts, so the sweep runs from
    /// start-up. Logging and the clock are the application's: the client uses the container's
    /// <c>ILoggerFactory</c> and <see cref="TimeProvider"/> when registered (before or after this call)
    /// and registers neither.
    /// </remarks>
    public static AgentCoherenceBuilder AddAgentCoherence(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = services.AddAgentCoherence();
        services.Configure<CoherenceOptions>(configuration);
        return builder;
    }

    /// <summary>Registers AgentCoherence with options set in code.</summary>
    public static AgentCoherenceBuilder AddAgentCoherence(this IServiceCollection services, Action<CoherenceOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var builder = services.AddAgentCoherence();
        services.Configure(configure);
        return builder;
    }

    /// <summary>Registers AgentCoherence with default options.</summary>
    public static AgentCoherenceBuilder AddAgentCoherence(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<CoherenceOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CoherenceOptions>, CoherenceOptionsValidator>());
        services.TryAddSingleton<ITokenCounter>(O200kTokenCounter.Instance);
        services.TryAddSingleton(sp => new CoherenceDiagnostics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddSingleton<IDirectoryStore>(sp => new InMemoryDirectoryStore(sp.GetService<TimeProvider>()));
        services.TryAddSingleton<IEventBus>(sp => new InMemoryEventBus(sp.GetService<ILogger<InMemoryEventBus>>()));
        // The clock and logging belong to the application: resolved if it registered them (before or after
        // this call), never registered here, so a later AddLogging or TryAdd of a TimeProvider is not shadowed.
        services.TryAddSingleton(sp => new CoherenceClient(
            sp.GetRequiredService<IDirectoryStore>(),
            sp.GetRequiredService<IEventBus>(),
            sp.GetRequiredService<IOptions<CoherenceOptions>>().Value,
            sp.GetService<TimeProvider>(),
            sp.GetService<ILoggerFactory>(),
            sp.GetRequiredService<ITokenCounter>(),
            sp.GetRequiredService<CoherenceDiagnostics>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, CoherenceClientStarter>());
        return new AgentCoherenceBuilder(services);
    }
}

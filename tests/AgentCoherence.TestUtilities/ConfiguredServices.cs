using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AgentCoherence.Testing;

/// <summary>
/// A container configured the way an application's appsettings would configure it, and the start a host would give
/// it: for the tests that check what a misconfigured or unreachable store or bus does at start.
/// </summary>
public static class ConfiguredServices
{
    /// <summary>An in-memory configuration holding exactly these keys.</summary>
    public static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)))
            .Build();

    /// <summary><c>AddAgentCoherence</c> and <c>UseTransportFromConfiguration</c> on the <c>AgentCoherence</c> section of these keys.</summary>
    public static ServiceProvider WithTransportFromConfiguration(params (string Key, string Value)[] values)
    {
        var section = Configuration(values).GetSection("AgentCoherence");
        var services = new ServiceCollection();
        services.AddAgentCoherence(section).UseTransportFromConfiguration(section);
        return services.BuildServiceProvider();
    }

    /// <summary>What a host does at start: validates the options that ask for it, then starts each hosted service.</summary>
    /// <typeparam name="TOptions">The options validated on start (a host runs their validation before any hosted service).</typeparam>
    public static async Task StartHostedServicesAsync<TOptions>(IServiceProvider provider)
        where TOptions : class
    {
        _ = provider.GetRequiredService<IOptions<TOptions>>().Value;
        await StartHostedServicesAsync(provider);
    }

    /// <summary>Starts each hosted service, in registration order, as a host does.</summary>
    public static async Task StartHostedServicesAsync(IServiceProvider provider)
    {
        foreach (var hosted in provider.GetServices<IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None);
        }
    }
}

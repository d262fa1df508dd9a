using AgentCoherence;
using AgentCoherence.Redis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using AgentCoherence.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds <c>UseRedisBus</c> to <see cref="AgentCoherenceBuilder"/>.</summary>
public static class AgentCoherenceBuilderRedisBusExtensions
{
    /// <summary>
    /// Carries signals over Redis pub/sub, with settings bound from a configuration section, usually
    /// <c>configuration.GetSection("AgentCoherence:Transport:Redis")</c>.
    /// </summary>
    /// <remarks>See <see cref="RedisBusOptions.ConnectionString"/> for which connection the bus uses.</remarks>
    public static AgentCoherenceBuilder UseRedisBus(this AgentCoherenceBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.UseEventBus<RedisBusOptions>(section, Create);
    }

    /// <summary>Carries signals over Redis pub/sub, with settings set in code.</summary>
    /// <remarks>See <see cref="RedisBusOptions.ConnectionString"/> for which connection the bus uses.</remarks>
    public static AgentCoherenceBuilder UseRedisBus(this AgentCoherenceBuilder builder, Action<RedisBusOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.UseEventBus(configure ?? (_ => { }), Create);
    }

    private static RedisEventBus Create(IServiceProvider services, RedisBusOptions options)
    {
        var own = options.ConnectionString is { Length: > 0 };
        var connection = own
            ? ConnectionMultiplexer.Connect(ConfigurationOptions.Parse(options.ConnectionString!))
            : services.GetService<IConnectionMultiplexer>() ?? throw new InvalidOperationException(
                "UseRedisBus: set AgentCoherence:Transport:Redis:ConnectionString, or register an IConnectionMultiplexer (UseRedis does).");
        return new RedisEventBus(connection, options, ownsConnection: own, services.GetService<ILogger<RedisEventBus>>(), services.GetService<CoherenceDiagnostics>());
    }
}

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AgentCoherence.Redis;

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
        ArgumentNullException.ThrowIfNull(section);
        builder.Services.Configure<RedisBusOptions>(section);
        return Register(builder);
    }

    /// <summary>Carries signals over Redis pub/sub, with settings set in code.</summary>
    /// <remarks>See <see cref="RedisBusOptions.ConnectionString"/> for which connection the bus uses.</remarks>
    public static AgentCoherenceBuilder UseRedisBus(this AgentCoherenceBuilder builder, Action<RedisBusOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Configure(configure ?? (_ => { }));
        return Register(builder);
    }

    private static AgentCoherenceBuilder Register(AgentCoherenceBuilder builder) =>
        builder.UseEventBus(sp =>
        {
            var options = sp.GetRequiredService<IOptions<RedisBusOptions>>().Value;
            var own = options.ConnectionString is { Length: > 0 };
            var connection = own
                ? ConnectionMultiplexer.Connect(ConfigurationOptions.Parse(options.ConnectionString!))
                : sp.GetService<IConnectionMultiplexer>() ?? throw new InvalidOperationException(
                    "UseRedisBus: set AgentCoherence:Transport:Redis:ConnectionString, or register an IConnectionMultiplexer (UseRedis does).");
            return new RedisEventBus(connection, options, ownsConnection: own, sp.GetService<ILogger<RedisEventBus>>(), sp.GetService<CoherenceDiagnostics>());
        });
}

using AgentCoherence;
using AgentCoherence.Redis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using AgentCoherence.Hosting;
using AgentCoherence.Redis.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds <c>UseRedis</c> to <see cref="AgentCoherenceBuilder"/>.</summary>
public static class AgentCoherenceBuilderRedisExtensions
{
    /// <summary>
    /// Uses the Redis directory store with options bound from <paramref name="configuration"/>
    /// (usually <c>configuration.GetSection("AgentCoherence:Redis")</c>).
    /// </summary>
    /// <remarks>See <see cref="UseRedis(AgentCoherenceBuilder, Action{RedisStoreOptions})"/> for the connection rule.</remarks>
    /// <remarks>
    /// <c>ConnectionString</c> must be set there: a missing or misspelled section fails start rather than
    /// falling back to <c>localhost:6379</c>, and so does a key that names no setting. See
    /// <see cref="UseRedis(AgentCoherenceBuilder, Action{RedisStoreOptions})"/> for the connection rule.
    /// </remarks>
    public static AgentCoherenceBuilder UseRedis(this AgentCoherenceBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        builder.BindOptions<RedisStoreOptions>(configuration, nameof(RedisStoreOptions.ConnectionString));
        return UseRedisCore(builder);
    }

    /// <summary>Uses the Redis directory store with options set in code.</summary>
    /// <remarks>
    /// The store uses the container's <see cref="IConnectionMultiplexer"/> singleton: the one the
    /// application registered, else one connected on first use from
    /// <see cref="RedisStoreOptions.ConnectionString"/> (registered here, shared by everything that
    /// asks for it, disposed with the container). One multiplexer per process is the StackExchange.Redis rule.
    /// That multiplexer does not abort when the server is down (whatever <c>abortConnect</c> says): the store
    /// connects when the client starts, within <c>AgentCoherence:StartTimeout</c>, and fails start with an error
    /// naming <c>AgentCoherence:Redis:ConnectionString</c>, the endpoints and the cause.
    /// </remarks>
    public static AgentCoherenceBuilder UseRedis(this AgentCoherenceBuilder builder, Action<RedisStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Configure(configure);
        return UseRedisCore(builder);
    }

    private static AgentCoherenceBuilder UseRedisCore(AgentCoherenceBuilder builder)
    {
        builder.Services.AddOptions<RedisStoreOptions>()
            .Validate(o => !string.IsNullOrWhiteSpace(o.ConnectionString), "AgentCoherence:Redis:ConnectionString must be set.")
            .Validate(o => string.IsNullOrWhiteSpace(o.ConnectionString) || RedisConnection.ParseError(o.ConnectionString) is null, "AgentCoherence:Redis:ConnectionString is not a StackExchange.Redis configuration string (host:port, then options such as password=..., ssl=true).")
            .Validate(o => o.KeyPrefix is not null, "AgentCoherence:Redis:KeyPrefix must not be null.")
            .Validate(o => o.Database >= -1, "AgentCoherence:Redis:Database must be -1 (the connection's default) or a database number.")
            .Validate(o => Enum.IsDefined(o.Clock), "AgentCoherence:Redis:Clock must be Server (the default: the Redis server's clock) or Client (the store's TimeProvider).")
            .Validate(o => o.MaxArtifactsPerScript is >= 1 and <= RedisStoreOptions.MaxArtifactsPerScriptLimit, $"AgentCoherence:Redis:MaxArtifactsPerScript must be between 1 and {RedisStoreOptions.MaxArtifactsPerScriptLimit} (default {RedisStoreOptions.DefaultMaxArtifactsPerScript}).")
            .ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisStoreOptions>, StoreConnectTimeoutValidator>());
        builder.Services.TryAddSingleton<IConnectionMultiplexer>(sp =>
            RedisConnection.Connect(sp.GetRequiredService<IOptions<RedisStoreOptions>>().Value.ConnectionString));
        return builder.UseStore(sp => new RedisDirectoryStore(
            sp.GetRequiredService<IConnectionMultiplexer>(),
            sp.GetRequiredService<IOptions<RedisStoreOptions>>().Value,
            sp.GetService<TimeProvider>()));
    }
}

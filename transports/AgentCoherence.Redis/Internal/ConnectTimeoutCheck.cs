using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AgentCoherence.Redis.Internal;

/// <summary>
/// StackExchange.Redis blocks for its <c>connectTimeout</c> while it creates a connection to a server that does
/// not answer, and the container creates that connection within the client's start timeout; a start timeout no
/// longer than it would fail start with a message that cannot name the Redis setting. So the two are checked
/// against each other at start.
/// </summary>
internal static class ConnectTimeoutCheck
{
    public static ValidateOptionsResult Validate(string? connectionString, TimeSpan startTimeout, string setting)
    {
        if (string.IsNullOrWhiteSpace(connectionString) || RedisConnection.ParseError(connectionString) is not null)
        {
            return ValidateOptionsResult.Skip;
        }

        var connectTimeout = TimeSpan.FromMilliseconds(ConfigurationOptions.Parse(connectionString).ConnectTimeout);
        return startTimeout > connectTimeout
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"{CoherenceOptions.SectionName}:StartTimeout ({startTimeout}) must be longer than the connectTimeout of {setting} ({connectTimeout}): " +
                "StackExchange.Redis waits that long on its first attempt before the start can check the connection. Raise StartTimeout or lower connectTimeout.");
    }
}

/// <summary>The store's connection string against the client's start timeout (see <see cref="ConnectTimeoutCheck"/>).</summary>
internal sealed class StoreConnectTimeoutValidator(IOptions<CoherenceOptions> client) : IValidateOptions<RedisStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, RedisStoreOptions options) =>
        ConnectTimeoutCheck.Validate(options.ConnectionString, client.Value.StartTimeout, RedisConnection.StoreSetting);
}

/// <summary>The bus's own connection string against the client's start timeout (see <see cref="ConnectTimeoutCheck"/>).</summary>
internal sealed class BusConnectTimeoutValidator(IOptions<CoherenceOptions> client) : IValidateOptions<RedisBusOptions>
{
    public ValidateOptionsResult Validate(string? name, RedisBusOptions options) =>
        ConnectTimeoutCheck.Validate(options.ConnectionString, client.Value.StartTimeout, RedisConnection.BusSetting);
}

using Microsoft.Extensions.Logging;

namespace AgentCoherence.Redis.Internal;

internal static partial class RedisLog
{
    [LoggerMessage(3401, LogLevel.Information, "Redis signal bus subscribed to channel {Channel} on {Endpoints}")]
    public static partial void Subscribed(ILogger logger, string channel, string endpoints);

    [LoggerMessage(3402, LogLevel.Warning, "Redis signal bus lost its subscription connection to {Endpoint} ({FailureType}): signals published meanwhile are lost; caches re-validate once it is back")]
    public static partial void SubscriptionLost(ILogger logger, string endpoint, string failureType);
}

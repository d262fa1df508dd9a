using Microsoft.Extensions.Logging;

namespace AgentCoherence.Nats.Internal;

internal static partial class NatsLog
{
    [LoggerMessage(3101, LogLevel.Warning, "NATS signal bus disconnected: {Reason}. Reconnecting; caches re-validate once it is back.")]
    public static partial void Disconnected(ILogger logger, string reason);

    [LoggerMessage(3102, LogLevel.Information, "NATS signal bus connected to {Url}, subject {Subject}")]
    public static partial void Connected(ILogger logger, string url, string subject);

    [LoggerMessage(3103, LogLevel.Debug, "NATS signal bus: connect attempt {Attempt} to {Url} failed: {Reason}; trying again until the start timeout")]
    public static partial void ConnectFailed(ILogger logger, string url, int attempt, string reason);
}

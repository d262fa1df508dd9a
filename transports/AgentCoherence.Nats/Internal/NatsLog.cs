using Microsoft.Extensions.Logging;

namespace AgentCoherence.Nats.Internal;

internal static partial class NatsLog
{
    [LoggerMessage(3101, LogLevel.Warning, "NATS signal bus disconnected: {Reason}. Reconnecting; caches re-validate once it is back.")]
    public static partial void Disconnected(ILogger logger, string reason);
}

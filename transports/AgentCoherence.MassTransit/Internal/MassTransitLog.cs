using Microsoft.Extensions.Logging;

namespace AgentCoherence.MassTransit.Internal;

internal static partial class MassTransitLog
{
    [LoggerMessage(3301, LogLevel.Warning, "MassTransit signal endpoint faulted ({Reason}); it reconnects, and caches re-validate once it is back")]
    public static partial void EndpointFaulted(ILogger logger, string reason);

    [LoggerMessage(3302, LogLevel.Information, "MassTransit signal bus connected to {Address}, exchange {Exchange}")]
    public static partial void Connected(ILogger logger, string address, string exchange);
}

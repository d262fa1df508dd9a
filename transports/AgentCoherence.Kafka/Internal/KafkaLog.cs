using Microsoft.Extensions.Logging;

namespace AgentCoherence.Kafka.Internal;

internal static partial class KafkaLog
{
    [LoggerMessage(3201, LogLevel.Warning, "Kafka {Client} error {Code}: {Reason}{Held}")]
    public static partial void ClientError(ILogger logger, string client, string code, string reason, string held);

    [LoggerMessage(3202, LogLevel.Warning, "Kafka could not deliver a signal ({Code}: {Reason}); peers catch up through their cache strategy")]
    public static partial void PublishFailed(ILogger logger, string code, string reason);

    [LoggerMessage(EventId = 3203, Message = "librdkafka {Client} {Facility}: {Text}{Held}")]
    public static partial void Librdkafka(ILogger logger, LogLevel level, string client, string facility, string text, string held);

    [LoggerMessage(3204, LogLevel.Information, "Kafka signal bus connected to {BootstrapServers}, topic {Topic}")]
    public static partial void Connected(ILogger logger, string bootstrapServers, string topic);
}

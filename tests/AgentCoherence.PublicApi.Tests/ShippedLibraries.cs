using System.Reflection;

namespace AgentCoherence.PublicApi.Tests;

/// <summary>The shipped library packages (the two dotnet tools, coherence and coherence-mcp, have no API to list).</summary>
internal static class ShippedLibraries
{
    public static IReadOnlyList<Assembly> All { get; } =
    [
        typeof(CoherenceClient).Assembly,
        typeof(Volume.CoherentVolume).Assembly,
        typeof(Sqlite.SqliteDirectoryStore).Assembly,
        typeof(Redis.RedisDirectoryStore).Assembly,
        typeof(Nats.NatsEventBus).Assembly,
        typeof(Kafka.KafkaEventBus).Assembly,
        typeof(MassTransit.MassTransitEventBus).Assembly,
        typeof(AgentFramework.CoherentAgentFileStore).Assembly,
        typeof(Simulation.Simulator).Assembly,
    ];
}

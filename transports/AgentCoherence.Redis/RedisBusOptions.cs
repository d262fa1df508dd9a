namespace AgentCoherence.Redis;

/// <summary>Settings of the Redis pub/sub signal bus, bound from <c>AgentCoherence:Transport:Redis</c>.</summary>
public sealed class RedisBusOptions
{
    /// <summary>
    /// A StackExchange.Redis configuration string for the bus's own connection. When null (the
    /// default) the bus shares the container's <c>IConnectionMultiplexer</c> — the one <c>UseRedis</c>
    /// registers for the store, or the application's own.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>The pub/sub channel every process publishes to and subscribes on.</summary>
    public string Channel { get; set; } = "agentcoherence:signals";
}

namespace AgentCoherence.MassTransit;

/// <summary>Which MassTransit transport carries the signals.</summary>
public enum MassTransitBusKind
{
    /// <summary>RabbitMQ: a fanout exchange, one temporary (auto-delete) queue per process.</summary>
    RabbitMq,

    /// <summary>MassTransit's in-memory transport: one process only, for tests and single-host setups.</summary>
    InMemory,
}

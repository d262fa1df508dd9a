namespace AgentCoherence.MassTransit;

/// <summary>Settings of the MassTransit signal bus, bound from <c>AgentCoherence:Transport:MassTransit</c>.</summary>
public sealed class MassTransitBusOptions
{
    /// <summary>The MassTransit transport.</summary>
    public MassTransitBusKind Kind { get; set; } = MassTransitBusKind.RabbitMq;

    /// <summary>RabbitMQ host name. Required (with the RabbitMQ kind) when the settings come from configuration; in code the default is <c>localhost</c>.</summary>
    public string Host { get; set; } = "localhost";

    /// <summary>RabbitMQ AMQP port.</summary>
    public ushort Port { get; set; } = 5672;

    /// <summary>RabbitMQ virtual host.</summary>
    public string VirtualHost { get; set; } = "/";

    /// <summary>RabbitMQ user.</summary>
    public string Username { get; set; } = "guest";

    /// <summary>RabbitMQ password.</summary>
    public string Password { get; set; } = "guest";

    /// <summary>Use TLS to RabbitMQ.</summary>
    public bool UseSsl { get; set; }

    /// <summary>The exchange (entity) the signal envelope is published to; every process binds its own temporary queue to it.</summary>
    public string ExchangeName { get; set; } = "agentcoherence.signals";

    /// <summary>
    /// How long start-up waits for the receive endpoint to be ready (at most 10 minutes); the client's
    /// <c>AgentCoherence:StartTimeout</c> bounds it too, whichever ends first.
    /// </summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

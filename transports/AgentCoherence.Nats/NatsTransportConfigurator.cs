using Microsoft.Extensions.Configuration;

[assembly: AgentCoherence.AgentCoherenceTransport("Nats", typeof(AgentCoherence.Nats.NatsTransportConfigurator))]

namespace AgentCoherence.Nats;

/// <summary>The <c>"Kind": "Nats"</c> entry of <see cref="TransportRegistry"/>: <c>UseNats(Transport:Nats)</c>.</summary>
public sealed class NatsTransportConfigurator : ITransportConfigurator
{
    /// <inheritdoc />
    public void Configure(AgentCoherenceBuilder builder, IConfiguration transportSection) => builder.UseNats(transportSection);
}

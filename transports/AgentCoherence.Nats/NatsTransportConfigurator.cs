using Microsoft.Extensions.Configuration;
using AgentCoherence.Hosting;
using AgentCoherence.Signals;
using Microsoft.Extensions.DependencyInjection;

[assembly: AgentCoherence.Signals.AgentCoherenceTransport("Nats", typeof(AgentCoherence.Nats.NatsTransportConfigurator))]

namespace AgentCoherence.Nats;

/// <summary>The <c>"Kind": "Nats"</c> entry of <see cref="TransportRegistry"/>: <c>UseNats(Transport:Nats)</c>.</summary>
internal sealed class NatsTransportConfigurator : ITransportConfigurator
{
    /// <inheritdoc />
    public void Configure(AgentCoherenceBuilder builder, IConfiguration transportSection) => builder.UseNats(transportSection);
}

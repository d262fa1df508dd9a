using Microsoft.Extensions.Configuration;
using AgentCoherence.Hosting;
using AgentCoherence.Signals;
using Microsoft.Extensions.DependencyInjection;

[assembly: AgentCoherence.Signals.AgentCoherenceTransport("MassTransit", typeof(AgentCoherence.MassTransit.MassTransitTransportConfigurator))]

namespace AgentCoherence.MassTransit;

/// <summary>The <c>"Kind": "MassTransit"</c> entry of <see cref="TransportRegistry"/>: <c>UseMassTransit(Transport:MassTransit)</c>.</summary>
internal sealed class MassTransitTransportConfigurator : ITransportConfigurator
{
    /// <inheritdoc />
    public void Configure(AgentCoherenceBuilder builder, IConfiguration transportSection) => builder.UseMassTransit(transportSection);
}

using Microsoft.Extensions.Configuration;
using AgentCoherence.Hosting;
using AgentCoherence.Signals;
using Microsoft.Extensions.DependencyInjection;

[assembly: AgentCoherence.Signals.AgentCoherenceTransport("Kafka", typeof(AgentCoherence.Kafka.KafkaTransportConfigurator))]

namespace AgentCoherence.Kafka;

/// <summary>The <c>"Kind": "Kafka"</c> entry of <see cref="TransportRegistry"/>: <c>UseKafka(Transport:Kafka)</c>.</summary>
internal sealed class KafkaTransportConfigurator : ITransportConfigurator
{
    /// <inheritdoc />
    public void Configure(AgentCoherenceBuilder builder, IConfiguration transportSection) => builder.UseKafka(transportSection);
}

using Microsoft.Extensions.Configuration;
using AgentCoherence.Hosting;
using AgentCoherence.Signals;
using Microsoft.Extensions.DependencyInjection;

[assembly: AgentCoherence.Signals.AgentCoherenceTransport("Redis", typeof(AgentCoherence.Redis.RedisTransportConfigurator))]

namespace AgentCoherence.Redis;

/// <summary>The <c>"Kind": "Redis"</c> entry of <see cref="TransportRegistry"/>: <c>UseRedisBus(Transport:Redis)</c>.</summary>
internal sealed class RedisTransportConfigurator : ITransportConfigurator
{
    /// <inheritdoc />
    public void Configure(AgentCoherenceBuilder builder, IConfiguration transportSection) => builder.UseRedisBus(transportSection);
}

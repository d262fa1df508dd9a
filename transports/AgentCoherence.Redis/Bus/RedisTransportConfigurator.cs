using Microsoft.Extensions.Configuration;

[assembly: AgentCoherence.AgentCoherenceTransport("Redis", typeof(AgentCoherence.Redis.RedisTransportConfigurator))]

namespace AgentCoherence.Redis;

/// <summary>The <c>"Kind": "Redis"</c> entry of <see cref="TransportRegistry"/>: <c>UseRedisBus(Transport:Redis)</c>.</summary>
public sealed class RedisTransportConfigurator : ITransportConfigurator
{
    /// <inheritdoc />
    public void Configure(AgentCoherenceBuilder builder, IConfiguration transportSection) => builder.UseRedisBus(transportSection);
}

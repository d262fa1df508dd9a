using Microsoft.Extensions.Configuration;
using AgentCoherence.Hosting;

namespace AgentCoherence.Signals;

/// <summary>
/// What a transport package offers <see cref="TransportRegistry"/>: it applies its own <c>Use…</c>
/// method with its configuration subsection (<c>AgentCoherence:Transport:&lt;Kind&gt;</c>).
/// </summary>
public interface ITransportConfigurator
{
    /// <summary>Registers the transport's bus on the builder, with settings bound from <paramref name="transportSection"/>.</summary>
    void Configure(AgentCoherenceBuilder builder, IConfiguration transportSection);
}

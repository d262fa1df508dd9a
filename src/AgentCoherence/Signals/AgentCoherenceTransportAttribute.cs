namespace AgentCoherence.Signals;

/// <summary>
/// Marks a transport package: <c>[assembly: AgentCoherenceTransport("Nats", typeof(NatsTransportConfigurator))]</c>.
/// <see cref="TransportRegistry"/> finds it when the configuration names that kind.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
public sealed class AgentCoherenceTransportAttribute(string kind, Type configurator) : Attribute
{
    /// <summary>The kind, as written in <c>AgentCoherence:Transport:Kind</c>.</summary>
    public string Kind { get; } = kind;

    /// <summary>A type implementing <see cref="ITransportConfigurator"/> with a parameterless constructor; the type and constructor may be internal.</summary>
    public Type Configurator { get; } = configurator;
}

using AgentCoherence.Signals;

namespace AgentCoherence.MassTransit;

/// <summary>
/// The message MassTransit carries: one <see cref="SignalCodec"/>-encoded signal, unchanged, so the
/// receiving side validates it exactly as every other transport does.
/// </summary>
public sealed record SignalEnvelope
{
    /// <summary>The encoded signal.</summary>
    public byte[]? Payload { get; init; }
}

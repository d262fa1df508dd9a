namespace AgentCoherence;

/// <summary>Per-agent overrides of the client's settings.</summary>
public sealed class AgentOptions
{
    /// <summary>The agent's cache strategy; the client's <see cref="CacheOptions.Strategy"/> when null.</summary>
    public CacheStrategy? Strategy { get; set; }

    /// <summary>Send heartbeats automatically while the agent lives (default true).</summary>
    public bool SendHeartbeats { get; set; } = true;
}

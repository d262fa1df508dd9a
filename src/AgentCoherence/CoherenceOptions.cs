using System.ComponentModel.DataAnnotations;

namespace AgentCoherence;

/// <summary>
/// Settings of a <see cref="CoherenceClient"/>, bound from the <c>AgentCoherence</c> section of
/// configuration by <c>AddAgentCoherence</c> and validated at start-up.
/// </summary>
public sealed class CoherenceOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "AgentCoherence";

    /// <summary>
    /// <see cref="CoherenceMode.Enforce"/> (the default) refuses writes that would clobber newer work;
    /// <see cref="CoherenceMode.Observe"/> applies them anyway and reports each as a would-be refusal
    /// (<see cref="CoherenceClient.WouldBeRefused"/>, a Warning log, a metric). See docs/observe.md.
    /// </summary>
    public CoherenceMode Mode { get; set; } = CoherenceMode.Enforce;

    /// <summary>The namespace of keys given as plain names.</summary>
    public string DefaultNamespace { get; set; } = ArtifactKey.DefaultNamespace;

    /// <summary>The largest content accepted in one commit, in bytes (default 16 MiB).</summary>
    [Range(1, int.MaxValue)]
    public int MaxContentBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>The most members one atomic publish may hold.</summary>
    [Range(1, 10_000)]
    public int MaxBatchSize { get; set; } = 256;

    /// <summary>How often a live agent sends a heartbeat. Must be well under the heartbeat timeout.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// What disposing an agent leaves in the store. False (the default): the agent leaves, releasing its
    /// grants and dropping its views, as an agent that is done should. True: only its grants are released;
    /// its views (what it read, at which version) stay, so a later process using the same agent id carries
    /// on where this one stopped, as when an MCP host starts one server process per tool call. Views of
    /// agents that never come back are pruned by the sweep after <see cref="CrashRecoveryOptions.PruneSilentAfter"/>.
    /// </summary>
    public bool KeepViewsOnDispose { get; set; }

    /// <summary>
    /// How long <see cref="CoherenceClient.StartAsync"/> may take to connect the store and the signal bus
    /// and subscribe (default 30 seconds; at most 10 minutes). Under a host this bounds host start; without
    /// one it bounds the first operation of the first agent. A store or bus not reachable by then fails
    /// with <see cref="StoreUnavailableException"/> or <see cref="TransportUnavailableException"/>, whose
    /// message names the setting, the address and the last cause.
    /// </summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Crash recovery: heartbeats, the sweep and its thresholds.</summary>
    public CrashRecoveryOptions CrashRecovery { get; set; } = new();

    /// <summary>The agents' local cache.</summary>
    public CacheOptions Cache { get; set; } = new();

    /// <summary>The optimistic update loop.</summary>
    public UpdateOptions Update { get; set; } = new();

    /// <summary>How a failed store call (connection cut, timeout, busy store) is retried.</summary>
    public StoreRetryOptions StoreRetry { get; set; } = new();

    /// <summary>Recording of every store operation to JSON Lines files (off unless <see cref="RecordingOptions.Path"/> is set).</summary>
    public RecordingOptions Recording { get; set; } = new();
}

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

    /// <summary>Crash recovery: heartbeats, the sweep and its thresholds.</summary>
    public CrashRecoveryOptions CrashRecovery { get; set; } = new();

    /// <summary>The agents' local cache.</summary>
    public CacheOptions Cache { get; set; } = new();

    /// <summary>The optimistic update loop.</summary>
    public UpdateOptions Update { get; set; } = new();

    /// <summary>How a failed store call (connection cut, timeout, busy store) is retried.</summary>
    public StoreRetryOptions StoreRetry { get; set; } = new();
}

/// <summary>
/// Retries of a store call that failed for reasons of the store, not the protocol. A write is always
/// retried with the same <see cref="OperationId"/>, so a retry of a write that had landed returns the
/// recorded result and never applies it twice; reads are simply repeated.
/// </summary>
public sealed class StoreRetryOptions
{
    /// <summary>Attempts in all, the first included (default 5). After the last, the caller gets
    /// <see cref="OutcomeUnknownException"/> (a write that may have landed) or <see cref="StoreUnavailableException"/>.</summary>
    [Range(1, 1_000)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>The delay before the second retry (the first is immediate); it doubles per retry, with full jitter.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The longest delay between two attempts.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>Crash recovery settings (on by default).</summary>
public sealed class CrashRecoveryOptions
{
    /// <summary>
    /// Run the crash-recovery sweep on a timer in this client (on by default; the setting is
    /// <c>AgentCoherence:CrashRecovery:Enabled</c>). Turn it off only where another client of the same store
    /// sweeps, or where the application calls <see cref="CoherenceClient.SweepAsync"/> itself: without
    /// any sweep, a grant held by a crashed agent is never reclaimed. A client with this off on a store
    /// other processes share (<see cref="IDirectoryStore.SharedAcrossProcesses"/>: SQLite, Redis) logs a
    /// warning (event 2003) when it is created.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Reclaim the grant of a holder silent this long (default 2 minutes).</summary>
    public TimeSpan HeartbeatTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Reclaim a grant held this long (default 15 minutes).</summary>
    public TimeSpan MaxHold { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often the client's sweep runs (default 5 seconds).</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Drop the S/I entries of agents silent this long (default 24 hours); null keeps them.</summary>
    public TimeSpan? PruneSilentAfter { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The policy one sweep applies.</summary>
    public SweepPolicy ToPolicy() => new(HeartbeatTimeout, MaxHold, PruneSilentAfter);
}

/// <summary>Local cache settings.</summary>
public sealed class CacheOptions
{
    /// <summary>The strategy (default <see cref="CacheStrategy.Lazy"/>).</summary>
    public CacheStrategy Strategy { get; set; } = CacheStrategy.Lazy;

    /// <summary>For <see cref="CacheStrategy.Lease"/>: how long a copy serves reads before it is re-validated.</summary>
    public TimeSpan LeaseTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>For <see cref="CacheStrategy.AccessCount"/>: local hits served before a re-validation.</summary>
    [Range(1, int.MaxValue)]
    public int AccessCount { get; set; } = 10;
}

/// <summary>Settings of <see cref="CoherentAgent.UpdateAsync(ArtifactKey, Func{ArtifactView?, string}, CancellationToken)"/>.</summary>
public sealed class UpdateOptions
{
    /// <summary>Retries after the first attempt (default 3, so 4 attempts).</summary>
    [Range(0, 10_000)]
    public int MaxRetries { get; set; } = 3;

    /// <summary>The first back-off delay; it doubles per retry, with full jitter.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>The longest back-off delay.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMilliseconds(250);
}

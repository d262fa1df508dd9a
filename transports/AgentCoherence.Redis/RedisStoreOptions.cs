namespace AgentCoherence.Redis;

/// <summary>
/// Settings of the Redis directory store, bound from the <c>AgentCoherence:Redis</c> configuration
/// section by <c>UseRedis(IConfiguration)</c> or set in code with <c>UseRedis(options => ...)</c>.
/// </summary>
public sealed class RedisStoreOptions
{
    /// <summary>The configuration section name, under <c>AgentCoherence</c>.</summary>
    public const string SectionName = "Redis";

    /// <summary>
    /// A StackExchange.Redis configuration string, passed unchanged to <c>ConfigurationOptions.Parse</c>:
    /// endpoints, <c>password=</c>, <c>user=</c>, <c>ssl=true</c>, <c>sslHost=</c>, <c>abortConnect=</c> and so on.
    /// Default <c>localhost:6379</c>.
    /// </summary>
    public string ConnectionString { get; set; } = "localhost:6379";

    /// <summary>
    /// Prepended to every key the store writes, so several deployments can share one Redis. On Redis
    /// Cluster it must hold a hash tag (for example <c>{team-a}coherence:</c>) so that every key lands
    /// in one slot; the store refuses to start on Cluster without one. Default <c>agentcoherence:</c>.
    /// </summary>
    public string KeyPrefix { get; set; } = "agentcoherence:";

    /// <summary>The Redis database number; -1 (the default) uses the connection's default database.</summary>
    public int Database { get; set; } = -1;

    /// <summary>
    /// How the operations run on the server: <see cref="RedisScriptMode.Auto"/> (the default) uses a
    /// Redis 7 function library where the server has functions and allows loading one, else
    /// <c>EVALSHA</c>. Both run the same Lua and give identical results.
    /// </summary>
    public RedisScriptMode ScriptMode { get; set; } = RedisScriptMode.Auto;

    /// <summary>
    /// Whose clock stamps heartbeats, grants, commits and reclaims and decides who is silent:
    /// <see cref="RedisClock.Server"/> (the default) reads the Redis server's <c>TIME</c> inside every
    /// script, so hosts whose clocks disagree still agree on who is alive; <see cref="RedisClock.Client"/>
    /// uses the store's <see cref="TimeProvider"/> (tests with a fake clock, or one host).
    /// </summary>
    public RedisClock Clock { get; set; } = RedisClock.Server;

    /// <summary>
    /// The most artifacts one sweep or forget script call visits (1 to <see cref="MaxArtifactsPerScriptLimit"/>,
    /// default 100). Redis runs one script at a time and every other client waits for it, so the sweep
    /// after a mass disconnect and the forget of an agent with many artifacts run as a series of script
    /// calls of at most this many artifacts each. Each call is atomic for the artifacts it visits, which
    /// is what the protocol asks of both (a reclaim or a prune is a change to one artifact). Measured on
    /// a 2-core development machine (Redis 7.0): a sweep call reclaiming 100 grants takes the server
    /// about 1 ms (at most 8 ms seen, on a heavily loaded machine), where one script reclaiming 10,000
    /// grants and pruning 5,000 entries took 1.3 s. A larger value means fewer round trips and longer pauses for everyone else.
    /// </summary>
    public int MaxArtifactsPerScript { get; set; } = DefaultMaxArtifactsPerScript;

    /// <summary>The default of <see cref="MaxArtifactsPerScript"/>.</summary>
    public const int DefaultMaxArtifactsPerScript = 100;

    /// <summary>The largest <see cref="MaxArtifactsPerScript"/> accepted.</summary>
    public const int MaxArtifactsPerScriptLimit = 1000;
}

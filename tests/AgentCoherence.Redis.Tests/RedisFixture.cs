using AgentCoherence.Testing.Servers;
using StackExchange.Redis;

namespace AgentCoherence.Redis.Tests;

/// <summary>
/// One Redis server (<see cref="RedisServerFixture"/>) and one shared multiplexer for the whole test
/// project. Each test gets its own key prefix, so tests never see each other's keys.
/// </summary>
public sealed class RedisFixture : IAsyncLifetime
{
    private IConnectionMultiplexer? _connection;

    public RedisServerFixture Server { get; } = new();

    /// <summary>The shared multiplexer (one per process, as in production).</summary>
    public IConnectionMultiplexer Connection
    {
        get
        {
            Server.SkipIfUnavailable();
            return _connection!;
        }
    }

    public string ConnectionString
    {
        get
        {
            Server.SkipIfUnavailable();
            return Server.ConnectionString!;
        }
    }

    public static string NewPrefix() => $"test-{Guid.NewGuid():N}:";

    /// <summary>
    /// A store over the shared multiplexer with a fresh key prefix. With <see cref="TimeProvider.System"/>
    /// it runs on the server's clock, the default; with any other clock (a test's fake one) that clock is
    /// the store's (<see cref="RedisClock.Client"/>), so the test moves time for everything the store does.
    /// </summary>
    public RedisDirectoryStore NewStore(TimeProvider time, string? prefix = null, RedisScriptMode mode = RedisScriptMode.Auto, int? maxArtifactsPerScript = null) =>
        new(
            Connection,
            new RedisStoreOptions
            {
                KeyPrefix = prefix ?? NewPrefix(),
                ScriptMode = mode,
                Clock = time == TimeProvider.System ? RedisClock.Server : RedisClock.Client,
                MaxArtifactsPerScript = maxArtifactsPerScript ?? RedisStoreOptions.DefaultMaxArtifactsPerScript,
            },
            time);

    /// <summary>A second, separate multiplexer (another coordinator instance); the caller disposes it.</summary>
    public async Task<ConnectionMultiplexer> ConnectSeparatelyAsync(string? connectionString = null) =>
        await ConnectionMultiplexer.ConnectAsync(connectionString ?? ConnectionString);

    public async Task InitializeAsync()
    {
        await Server.InitializeAsync();
        if (Server.ConnectionString is { } connectionString)
        {
            _connection = await ConnectionMultiplexer.ConnectAsync(connectionString);
        }
    }

    public async Task DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        await Server.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisFixture>
{
    public const string Name = "redis";
}

using Xunit;

namespace AgentCoherence.Testing.Servers;

/// <summary>
/// One Redis for a test collection, from the first source that works:
/// <list type="number">
/// <item><description><c>AGENTCOHERENCE_REDIS</c> (a StackExchange.Redis configuration string) when set;</description></item>
/// <item><description>a Testcontainers.Redis container when a Docker engine answers (<see cref="DockerEngine"/>;
/// image <c>AGENTCOHERENCE_REDIS_IMAGE</c>, default <see cref="DefaultImage"/>); a container that cannot start
/// within <see cref="ContainerStartTimeout"/> (no image, no registry) falls through to the next source;</description></item>
/// <item><description>a <c>redis-server</c> from PATH on a random loopback port with a temporary directory and
/// no persistence, stopped and deleted at the end.</description></item>
/// </list>
/// When no server can be had the fixture does not throw; <see cref="SkipIfUnavailable"/> skips a test then,
/// except under <c>CI=true</c>, where a missing server fails the test with <see cref="MissingMessage"/>.
/// </summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    /// <summary>What to do when no Redis is available.</summary>
    public const string MissingMessage = RedisServer.MissingMessage;

    /// <summary>The container image used when a Docker engine answers and AGENTCOHERENCE_REDIS_IMAGE is unset.</summary>
    public const string DefaultImage = "redis:7.2";

    /// <summary>How long a container may take to start (pull included) before the fixture falls back.</summary>
    public static readonly TimeSpan ContainerStartTimeout = TimeSpan.FromSeconds(120);

    private RedisServer? _server;
    private Testcontainers.Redis.RedisContainer? _container;

    /// <summary>The StackExchange.Redis configuration string of the server; null when none is available.</summary>
    public string? ConnectionString { get; private set; }

    /// <summary>True when the server came from <c>AGENTCOHERENCE_REDIS</c> (tests must not stop or reconfigure it).</summary>
    public bool IsExternal { get; private set; }

    /// <summary>True under <c>CI=true</c>: a missing server is a failure, not a skip.</summary>
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>True when tests can start their own <c>redis-server</c> processes (restart and persistence tests).</summary>
    public static bool CanStartServers => RedisServer.Executable is not null;

    /// <summary>Why no server is available, or null when one is.</summary>
    public string? UnavailableReason { get; private set; }

    /// <summary>Where the server came from; <see cref="RedisSource.None"/> before start or when none was found.</summary>
    public RedisSource Source { get; private set; }

    /// <summary>Why the container source was passed over after it was tried, or null.</summary>
    public string? ContainerProblem { get; private set; }

    /// <summary>The order of sources for the given circumstances: what the fixture tries, first to last.</summary>
    public static IReadOnlyList<RedisSource> SourcesToTry(string? external, bool dockerAnswers, bool serverOnPath)
    {
        if (!string.IsNullOrWhiteSpace(external))
        {
            return [RedisSource.External];
        }

        var sources = new List<RedisSource>();
        if (dockerAnswers)
        {
            sources.Add(RedisSource.Container);
        }

        if (serverOnPath)
        {
            sources.Add(RedisSource.Process);
        }

        return sources;
    }

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var external = Environment.GetEnvironmentVariable("AGENTCOHERENCE_REDIS");
        foreach (var source in SourcesToTry(external, DockerEngine.IsAvailable, RedisServer.Executable is not null))
        {
            switch (source)
            {
                case RedisSource.External:
                    ConnectionString = external;
                    IsExternal = true;
                    Source = source;
                    return;
                case RedisSource.Container when await TryStartContainerAsync().ConfigureAwait(false):
                    Source = source;
                    return;
                case RedisSource.Process:
                    _server = await RedisServer.StartAsync().ConfigureAwait(false);
                    ConnectionString = _server.ConnectionString;
                    Source = source;
                    return;
            }
        }

        UnavailableReason = ContainerProblem is null ? MissingMessage : $"{MissingMessage} (a Docker engine answered, but: {ContainerProblem})";
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }

        if (_container is not null)
        {
            await _container.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<bool> TryStartContainerAsync()
    {
        var image = Environment.GetEnvironmentVariable("AGENTCOHERENCE_REDIS_IMAGE") is { Length: > 0 } configured ? configured : DefaultImage;
        var container = new Testcontainers.Redis.RedisBuilder(image).Build();
        try
        {
            using var timeout = new CancellationTokenSource(ContainerStartTimeout);
            await container.StartAsync(timeout.Token).ConfigureAwait(false);
            _container = container;
            ConnectionString = container.GetConnectionString();
            return true;
        }
#pragma warning disable CA1031 // Any failure to start a container means: use the next source, and say why.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            ContainerProblem = $"the {image} container did not start: {ex.GetType().Name}: {ex.Message}";
            Console.Error.WriteLine($"RedisServerFixture: {ContainerProblem}; falling back to redis-server from PATH.");
            await container.DisposeAsync().ConfigureAwait(false);
            return false;
        }
    }

    /// <summary>Skips the calling test when no server is available (fails it under <c>CI=true</c>).</summary>
    public void SkipIfUnavailable() => SkipUnless(UnavailableReason is null, UnavailableReason);

    /// <summary>Skips the calling test when it cannot start its own redis-server (fails it under <c>CI=true</c>).</summary>
    public static void SkipIfServersCannotStart() => SkipUnless(CanStartServers, MissingMessage);

    private static void SkipUnless(bool available, string? reason)
    {
        if (available)
        {
            return;
        }

        if (InCi)
        {
            throw new Xunit.Sdk.XunitException("CI=true: " + reason);
        }

        Xunit.Skip.If(true, reason);
    }
}

/// <summary>Where a <see cref="RedisServerFixture"/>'s server comes from.</summary>
public enum RedisSource
{
    /// <summary>No server (yet).</summary>
    None,

    /// <summary>AGENTCOHERENCE_REDIS.</summary>
    External,

    /// <summary>A Testcontainers.Redis container.</summary>
    Container,

    /// <summary>A redis-server process from PATH.</summary>
    Process,
}

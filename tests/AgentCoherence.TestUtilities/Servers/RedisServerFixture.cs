using Xunit;

namespace AgentCoherence.Testing.Servers;

/// <summary>
/// One Redis for a test collection: <c>AGENTCOHERENCE_REDIS</c> (a StackExchange.Redis configuration
/// string) when set, else a <c>redis-server</c> from PATH on a random loopback port with a temporary
/// directory and no persistence, stopped and deleted at the end. When no server can be had the
/// fixture does not throw; <see cref="SkipIfUnavailable"/> skips a test then, except under
/// <c>CI=true</c>, where a missing server fails the test with <see cref="MissingMessage"/>.
/// </summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    /// <summary>What to do when no Redis is available.</summary>
    public const string MissingMessage = RedisServer.MissingMessage;

    private RedisServer? _server;

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

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var external = Environment.GetEnvironmentVariable("AGENTCOHERENCE_REDIS");
        if (!string.IsNullOrWhiteSpace(external))
        {
            ConnectionString = external;
            IsExternal = true;
            return;
        }

        if (RedisServer.Executable is null)
        {
            UnavailableReason = MissingMessage;
            return;
        }

        _server = await RedisServer.StartAsync().ConfigureAwait(false);
        ConnectionString = _server.ConnectionString;
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
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

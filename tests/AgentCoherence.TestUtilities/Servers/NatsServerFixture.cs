using Xunit;

namespace AgentCoherence.Testing.Servers;

/// <summary>
/// One NATS server for a test class, behind a <see cref="TcpProxy"/> so tests can cut connections:
/// <c>AGENTCOHERENCE_NATS</c> (a <c>nats://host:port</c> URL) when set, else a <c>nats-server</c> from
/// PATH on a random loopback port with JetStream and a temporary store directory, stopped and
/// deleted at the end. With no server, tests skip; under <c>CI=true</c> they fail with <see cref="MissingMessage"/>.
/// </summary>
public sealed class NatsServerFixture : IAsyncLifetime
{
    /// <summary>What to do when no NATS server is available.</summary>
    public const string MissingMessage =
        "No NATS server for the tests: nats-server is not on PATH and AGENTCOHERENCE_NATS is not set. Install it (apt-get install nats-server; .ci/apt-packages lists it) or point AGENTCOHERENCE_NATS at a server (nats://host:port).";

    private NatsServer? _server;
    private TcpProxy? _proxy;

    /// <summary>Why no server is available, or null when one is.</summary>
    public string? UnavailableReason { get; private set; }

    /// <summary>The server's own URL (no proxy).</summary>
    public string DirectUrl { get; private set; } = string.Empty;

    /// <summary>The URL through the fault proxy.</summary>
    public string ProxyUrl => $"nats://127.0.0.1:{_proxy!.Port}";

    /// <summary>True when the server came from <c>AGENTCOHERENCE_NATS</c> (it cannot be restarted).</summary>
    public bool IsExternal => _server is null;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var external = Environment.GetEnvironmentVariable("AGENTCOHERENCE_NATS");
        if (!string.IsNullOrWhiteSpace(external))
        {
            var uri = new Uri(external.Contains("://", StringComparison.Ordinal) ? external : "nats://" + external);
            DirectUrl = uri.ToString();
            _proxy = new TcpProxy(uri.Host, uri.Port == -1 ? 4222 : uri.Port);
            return;
        }

        if (NatsServer.Executable is null)
        {
            UnavailableReason = MissingMessage;
            return;
        }

        _server = await NatsServer.StartAsync().ConfigureAwait(false);
        DirectUrl = _server.Url;
        _proxy = new TcpProxy("127.0.0.1", _server.Port);
    }

    /// <summary>Skips the calling test when there is no server (fails it under <c>CI=true</c>).</summary>
    public void SkipIfUnavailable() => ServerSkip.SkipIfUnavailable(UnavailableReason);

    /// <summary>Resets every connection through the proxy; clients reconnect through it.</summary>
    public void CutConnections() => _proxy!.CutAll();

    /// <summary>Kills the server and starts it again on the same port and directory.</summary>
    public async Task RestartAsync()
    {
        Skip.If(IsExternal, "AGENTCOHERENCE_NATS points at an external server, which the tests do not restart.");
        _proxy!.CutAll();
        await _server!.RestartAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync().ConfigureAwait(false);
        }

        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }
    }
}

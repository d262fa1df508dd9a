using Xunit;

namespace AgentCoherence.Testing.Servers;

/// <summary>
/// One RabbitMQ for a test class, behind a <see cref="TcpProxy"/> so tests can cut connections:
/// <c>AGENTCOHERENCE_RABBITMQ</c> (<c>amqp://user:password@host:port/</c>) when set, else a
/// <see cref="RabbitMqServer"/> node on random loopback ports, stopped and deleted at the end. With
/// no server, tests skip; under <c>CI=true</c> they fail with the reason.
/// </summary>
public sealed class RabbitMqServerFixture : IAsyncLifetime
{
    private RabbitMqServer? _server;
    private TcpProxy? _proxy;

    /// <summary>Why no server is available, or null when one is.</summary>
    public string? UnavailableReason { get; private set; }

    /// <summary>The broker's own host.</summary>
    public string Host { get; private set; } = "127.0.0.1";

    /// <summary>The broker's own AMQP port (no proxy).</summary>
    public int DirectPort { get; private set; }

    /// <summary>The AMQP port through the fault proxy (always on 127.0.0.1).</summary>
    public int ProxyPort => _proxy!.Port;

    /// <summary>User name.</summary>
    public string Username { get; private set; } = "guest";

    /// <summary>Password.</summary>
    public string Password { get; private set; } = "guest";

    /// <summary>True when the broker came from <c>AGENTCOHERENCE_RABBITMQ</c> (it cannot be restarted).</summary>
    public bool IsExternal => _server is null;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var external = Environment.GetEnvironmentVariable("AGENTCOHERENCE_RABBITMQ");
        if (!string.IsNullOrWhiteSpace(external))
        {
            var uri = new Uri(external.Contains("://", StringComparison.Ordinal) ? external : "amqp://" + external);
            Host = uri.Host;
            DirectPort = uri.Port == -1 ? 5672 : uri.Port;
            if (uri.UserInfo.Split(':', 2) is [var user, var password])
            {
                Username = Uri.UnescapeDataString(user);
                Password = Uri.UnescapeDataString(password);
            }

            _proxy = new TcpProxy(Host, DirectPort);
            return;
        }

        if (RabbitMqServer.CannotStartReason is { } reason)
        {
            UnavailableReason = $"No RabbitMQ for the tests: {reason} and AGENTCOHERENCE_RABBITMQ is not set. Install it (apt-get install rabbitmq-server; .ci/apt-packages lists it) or point AGENTCOHERENCE_RABBITMQ at a broker.";
            return;
        }

        _server = await RabbitMqServer.StartAsync().ConfigureAwait(false);
        DirectPort = _server.Port;
        _proxy = new TcpProxy("127.0.0.1", DirectPort);
    }

    /// <summary>Skips the calling test when there is no broker (fails it under <c>CI=true</c>).</summary>
    public void SkipIfUnavailable() => ServerSkip.SkipIfUnavailable(UnavailableReason);

    /// <summary>Resets every connection through the proxy; clients reconnect through it.</summary>
    public void CutConnections() => _proxy!.CutAll();

    /// <summary>Stops the node and starts it again on the same ports and data.</summary>
    public async Task RestartAsync()
    {
        Skip.If(IsExternal, "AGENTCOHERENCE_RABBITMQ points at an external broker, which the tests do not restart.");
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

using AgentCoherence.Testing.Servers;

namespace AgentCoherence.Redis.Tests.Bus;

/// <summary>
/// A Redis for the bus tests behind a <see cref="TcpProxy"/>: <c>AGENTCOHERENCE_REDIS</c> when set,
/// else its own <see cref="RedisServer"/>, which the restart test kills and starts again.
/// </summary>
public sealed class RedisBusFixture : IAsyncLifetime
{
    private RedisServer? _server;
    private TcpProxy? _proxy;

    /// <summary>Why no server is available, or null when one is.</summary>
    public string? UnavailableReason { get; private set; }

    /// <summary>The server's own configuration string.</summary>
    public string DirectConnectionString { get; private set; } = string.Empty;

    /// <summary>A configuration string through the fault proxy.</summary>
    public string ProxyConnectionString => $"{_proxy!.Endpoint},abortConnect=false,connectRetry=10";

    public async Task InitializeAsync()
    {
        var external = Environment.GetEnvironmentVariable("AGENTCOHERENCE_REDIS");
        if (!string.IsNullOrWhiteSpace(external))
        {
            DirectConnectionString = external;
            var endpoint = StackExchange.Redis.ConfigurationOptions.Parse(external).EndPoints[0];
            var (host, port) = endpoint switch
            {
                System.Net.DnsEndPoint dns => (dns.Host, dns.Port),
                System.Net.IPEndPoint ip => (ip.Address.ToString(), ip.Port),
                _ => ("127.0.0.1", 6379),
            };
            _proxy = new TcpProxy(host, port == 0 ? 6379 : port);
            return;
        }

        if (RedisServer.Executable is null)
        {
            UnavailableReason = RedisServer.MissingMessage;
            return;
        }

        _server = await RedisServer.StartAsync();
        DirectConnectionString = _server.ConnectionString;
        _proxy = new TcpProxy("127.0.0.1", _server.Port);
    }

    public void SkipIfUnavailable() => ServerSkip.SkipIfUnavailable(UnavailableReason);

    public void CutConnections() => _proxy!.CutAll();

    public async Task RestartAsync()
    {
        Skip.If(_server is null, "AGENTCOHERENCE_REDIS points at an external server, which the tests do not restart.");
        _proxy!.CutAll();
        await _server!.RestartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

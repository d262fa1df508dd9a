using System.Net;
using System.Net.Sockets;
using System.Text;
using AgentCoherence.Testing;
using AgentCoherence.Testing.Servers;

namespace AgentCoherence.Redis.Tests;

/// <summary>
/// Where the test fixtures get their Redis: AGENTCOHERENCE_REDIS, else a container when a Docker engine
/// answers, else redis-server from PATH; and how "a Docker engine answers" is decided.
/// </summary>
public sealed class RedisServerSourceTests : IDisposable
{
    private readonly TempDirectory _directory = new("agentcoherence-docker-ping");

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData("10.0.0.5:6379", true, true, new[] { RedisSource.External })]
    [InlineData(null, true, true, new[] { RedisSource.Container, RedisSource.Process })]
    [InlineData(null, false, true, new[] { RedisSource.Process })]
    [InlineData(" ", true, false, new[] { RedisSource.Container })]
    [InlineData(null, false, false, new RedisSource[0])]
    public void The_fixture_tries_the_address_then_a_container_then_redis_server(string? external, bool docker, bool onPath, RedisSource[] expected)
    {
        Assert.Equal(expected, RedisServerFixture.SourcesToTry(external, docker, onPath));
    }

    [Fact]
    public void No_socket_means_no_engine()
    {
        Assert.False(DockerEngine.PingUnixSocket(Path.Combine(_directory.Path, "missing.sock"), TimeSpan.FromSeconds(1)));
        Assert.False(DockerEngine.Answers("unix://" + Path.Combine(_directory.Path, "missing.sock"), TimeSpan.FromSeconds(1)));
    }

    [Theory]
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nOK", true)]
    [InlineData("HTTP/1.0 500 Internal Server Error\r\nContent-Length: 2\r\n\r\nno", false)]
    [InlineData("SSH-2.0-OpenSSH_9.2\r\n", false)]
    public async Task An_engine_answers_when_ping_on_its_socket_returns_200_OK(string reply, bool answers)
    {
        var path = Path.Combine(_directory.Path, "docker.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        var serving = Task.Run(async () =>
        {
            using var connection = await listener.AcceptAsync();
            var buffer = new byte[1024];
            var request = Encoding.ASCII.GetString(buffer, 0, await connection.ReceiveAsync(buffer));
            await connection.SendAsync(Encoding.ASCII.GetBytes(request.StartsWith("GET /_ping ", StringComparison.Ordinal) ? reply : "HTTP/1.0 404 Not Found\r\n\r\n"));
            connection.Shutdown(SocketShutdown.Both);
        });

        var result = await Task.Run(() => DockerEngine.Answers("unix://" + path, TimeSpan.FromSeconds(5)));
        await serving;

        Assert.Equal(answers, result);
    }

    [Fact]
    public void A_tcp_engine_address_nothing_listens_on_does_not_answer()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();

        Assert.False(DockerEngine.Answers($"tcp://127.0.0.1:{port}", TimeSpan.FromSeconds(2)));
    }
}

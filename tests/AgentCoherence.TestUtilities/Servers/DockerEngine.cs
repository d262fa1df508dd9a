using System.Net.Sockets;
using System.Text;

namespace AgentCoherence.Testing.Servers;

/// <summary>
/// Whether a Docker engine answers, asked the cheap way before Testcontainers is given a chance:
/// <c>GET /_ping</c> on the engine's Unix socket (<c>DOCKER_HOST=unix://…</c>, else
/// <c>/var/run/docker.sock</c>), or a TCP <c>DOCKER_HOST</c> that accepts a connection.
/// </summary>
public static class DockerEngine
{
    /// <summary>The default engine socket on Linux.</summary>
    public const string DefaultSocket = "/var/run/docker.sock";

    private static readonly Lazy<bool> Cached = new(() => Answers(Environment.GetEnvironmentVariable("DOCKER_HOST"), TimeSpan.FromSeconds(2)));

    /// <summary>True when this machine's engine answered (asked once per process).</summary>
    public static bool IsAvailable => Cached.Value;

    /// <summary>True when the engine at <paramref name="dockerHost"/> (null: the default socket) answers within <paramref name="timeout"/>.</summary>
    public static bool Answers(string? dockerHost, TimeSpan timeout)
    {
        try
        {
            if (string.IsNullOrWhiteSpace(dockerHost))
            {
                return PingUnixSocket(DefaultSocket, timeout);
            }

            var uri = new Uri(dockerHost);
            if (uri.Scheme == "unix")
            {
                return PingUnixSocket(uri.AbsolutePath, timeout);
            }

            if (uri.Scheme is "tcp" or "http" or "https")
            {
                using var client = new TcpClient();
                return client.ConnectAsync(uri.Host, uri.Port).Wait(timeout) && client.Connected;
            }

            return false;
        }
        catch (Exception ex) when (ex is SocketException or IOException or UriFormatException or AggregateException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Sends <c>GET /_ping</c> over the Unix socket and expects an HTTP 200 with body <c>OK</c>.</summary>
    public static bool PingUnixSocket(string path, TimeSpan timeout)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.SendTimeout = socket.ReceiveTimeout = (int)timeout.TotalMilliseconds;
        if (!socket.ConnectAsync(new UnixDomainSocketEndPoint(path)).Wait(timeout))
        {
            return false;
        }

        socket.Send(Encoding.ASCII.GetBytes("GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n"));
        var buffer = new byte[1024];
        var received = new StringBuilder();
        int read;
        while ((read = socket.Receive(buffer)) > 0)
        {
            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        var reply = received.ToString();
        return reply.StartsWith("HTTP/1.", StringComparison.Ordinal) && reply.Contains(" 200 ", StringComparison.Ordinal)
            && reply.EndsWith("OK", StringComparison.Ordinal);
    }
}

using System.Net;
using System.Net.Sockets;

namespace AgentCoherence.Testing;

/// <summary>A loopback port nothing listens on: bound to get a free number, then closed, so a connect is refused.</summary>
public static class ClosedPort
{
    /// <summary>A free loopback port, closed again.</summary>
    public static int Get()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

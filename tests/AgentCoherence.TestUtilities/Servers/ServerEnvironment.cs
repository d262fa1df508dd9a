using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace AgentCoherence.Testing.Servers;

/// <summary>
/// What the server launchers share (free of the test framework, so benchmarks can link them):
/// finding a server binary, choosing a free loopback port, waiting for a listener.
/// </summary>
public static class ServerEnvironment
{
    /// <summary>True under <c>CI=true</c>: a missing server is a failure, not a skip.</summary>
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The full path of an executable on PATH (or under /usr/sbin and /sbin, where Debian puts servers), or null.</summary>
    public static string? FindExecutable(string name)
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        foreach (var dir in path.Concat(["/usr/sbin", "/sbin", "/usr/lib/rabbitmq/bin"]))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>A loopback port that was free a moment ago.</summary>
    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Waits until something accepts TCP connections on the port.</summary>
    public static async Task<bool> WaitForPortAsync(int port, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port).ConfigureAwait(false);
                return true;
            }
            catch (SocketException)
            {
                await Task.Delay(50).ConfigureAwait(false);
            }
        }

        return false;
    }

    /// <summary>Deletes a directory, ignoring what cannot be deleted (a leftover temp directory is harmless).</summary>
    public static void TryDeleteDirectory(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>
    /// Starts a server in a fresh temp directory on a free port, trying another port (and directory)
    /// up to five times: the port chosen can be taken by someone else before the server binds it.
    /// </summary>
    public static async Task<T> StartOnFreePortAsync<T>(string name, Func<int, string, T> create, Func<T, Task> launch)
        where T : IAsyncDisposable
    {
        Exception? last = null;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var directory = Path.Combine(Path.GetTempPath(), $"agentcoherence-{name}-" + Guid.NewGuid().ToString("N")[..12]);
            Directory.CreateDirectory(directory);
            var server = create(FreePort(), directory);
            try
            {
                await launch(server).ConfigureAwait(false);
                return server;
            }
            catch (InvalidOperationException ex)
            {
                last = ex;
                await server.DisposeAsync().ConfigureAwait(false);
            }
        }

        throw new InvalidOperationException($"{name}-server did not start after 5 attempts.", last);
    }

    /// <summary>Ends a server process at once (SIGKILL), as a crash would, and waits for it.</summary>
    public static async Task KillAsync(Process? process)
    {
        if (process is null)
        {
            return;
        }

        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        await process.WaitForExitAsync().ConfigureAwait(false);
        process.Dispose();
    }
}

using System.Net;
using System.Net.Sockets;
using Xunit;

namespace AgentCoherence.Testing.Servers;

/// <summary>
/// What the server fixtures share: finding a server binary on PATH, choosing a free loopback port,
/// and the rule for a missing server — skipped on a developer's machine, failed under <c>CI=true</c>.
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

    /// <summary>
    /// Skips the calling test when <paramref name="unavailableReason"/> is set; under <c>CI=true</c> fails
    /// it with that reason instead. Needs <c>[SkippableFact]</c> on the test to report a skip.
    /// </summary>
    public static void SkipIfUnavailable(string? unavailableReason)
    {
        if (unavailableReason is null)
        {
            return;
        }

        if (InCi)
        {
            throw new Xunit.Sdk.XunitException("CI=true: " + unavailableReason);
        }

        Skip.If(true, unavailableReason);
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
}

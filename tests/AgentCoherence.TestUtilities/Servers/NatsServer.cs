using System.Diagnostics;
using System.Globalization;

namespace AgentCoherence.Testing.Servers;

/// <summary>
/// A <c>nats-server</c> from PATH on a loopback port with JetStream on and its own store directory.
/// <see cref="RestartAsync"/> kills it and starts it again on the same port and directory.
/// </summary>
public sealed class NatsServer : IAsyncDisposable
{
    private Process? _process;

    private NatsServer(int port, string directory)
    {
        Port = port;
        Directory = directory;
    }

    /// <summary>The loopback port.</summary>
    public int Port { get; }

    /// <summary>The JetStream store directory.</summary>
    public string Directory { get; }

    /// <summary>The client URL.</summary>
    public string Url => $"nats://127.0.0.1:{Port}";

    /// <summary>The full path of <c>nats-server</c>, or null when it is not installed.</summary>
    public static string? Executable { get; } = ServerEnvironment.FindExecutable("nats-server");

    /// <summary>Starts a server on a free port (retrying on another port if the chosen one was taken).</summary>
    public static async Task<NatsServer> StartAsync()
    {
        if (Executable is null)
        {
            throw new InvalidOperationException("nats-server is not installed.");
        }

        return await ServerEnvironment.StartOnFreePortAsync("nats", (port, directory) => new NatsServer(port, directory), server => server.LaunchAsync()).ConfigureAwait(false);
    }

    /// <summary>Ends the process at once (SIGKILL), as a crash would.</summary>
    public async Task KillAsync()
    {
        var process = _process;
        _process = null;
        await ServerEnvironment.KillAsync(process).ConfigureAwait(false);
    }

    /// <summary>Kills the server, then starts it again on the same port and directory.</summary>
    public async Task RestartAsync()
    {
        await KillAsync().ConfigureAwait(false);
        await LaunchAsync().ConfigureAwait(false);
    }

    /// <summary>Kills the server and deletes its directory.</summary>
    public async ValueTask DisposeAsync()
    {
        await KillAsync().ConfigureAwait(false);
        ServerEnvironment.TryDeleteDirectory(Directory);
    }

    private async Task LaunchAsync()
    {
        var start = new ProcessStartInfo(Executable!)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "-a", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-js", "-sd", Directory, "-l", Path.Combine(Directory, "nats.log") })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("nats-server did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        if (!await ServerEnvironment.WaitForPortAsync(Port, TimeSpan.FromSeconds(20)).ConfigureAwait(false) || process.HasExited)
        {
            var log = Path.Combine(Directory, "nats.log");
            var tail = File.Exists(log) ? string.Join('\n', File.ReadLines(log).TakeLast(5)) : "(no log)";
            await KillAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"nats-server on port {Port} did not listen within 20 s. Log:\n{tail}");
        }
    }
}

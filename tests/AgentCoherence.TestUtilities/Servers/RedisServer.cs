using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AgentCoherence.Testing.Servers;

/// <summary>
/// A <c>redis-server</c> process from PATH on a loopback port with its own temporary directory, for
/// tests. <see cref="KillAsync"/> ends it like a crash (SIGKILL); <see cref="RestartAsync"/> starts it
/// again on the same port and directory, so tests can check what survives.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string[] _extraArguments;
    private readonly bool _ownsDirectory;
    private Process? _process;

    private RedisServer(int port, string directory, bool ownsDirectory, string[] extraArguments)
    {
        Port = port;
        Directory = directory;
        _ownsDirectory = ownsDirectory;
        _extraArguments = extraArguments;
    }

    /// <summary>The loopback port the server listens on.</summary>
    public int Port { get; }

    /// <summary>The server's working and data directory.</summary>
    public string Directory { get; }

    /// <summary>A StackExchange.Redis configuration string for this server.</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <summary>What to do when no Redis is available.</summary>
    public const string MissingMessage =
        "No Redis: redis-server is not on PATH and AGENTCOHERENCE_REDIS is not set. Install it (apt-get install redis-server; .ci/apt-packages lists it) or point AGENTCOHERENCE_REDIS at a server.";

    /// <summary>The full path of <c>redis-server</c> on PATH, or null.</summary>
    public static string? Executable { get; } = ServerEnvironment.FindExecutable("redis-server");

    /// <summary>
    /// Starts a server. Persistence is off (<c>--save "" --appendonly no</c>) unless
    /// <paramref name="extraArguments"/> says otherwise (later arguments win, e.g. <c>--appendonly yes</c>).
    /// </summary>
    /// <exception cref="InvalidOperationException">redis-server is not on PATH, or did not start.</exception>
    public static async Task<RedisServer> StartAsync(params string[] extraArguments)
    {
        if (Executable is null)
        {
            throw new InvalidOperationException(MissingMessage);
        }

        return await ServerEnvironment.StartOnFreePortAsync("redis", (port, directory) => new RedisServer(port, directory, ownsDirectory: true, extraArguments), server => server.LaunchAsync()).ConfigureAwait(false);
    }

    /// <summary>Ends the process at once (SIGKILL), as a crash would; the data directory stays.</summary>
    public async Task KillAsync()
    {
        var process = _process;
        _process = null;
        await ServerEnvironment.KillAsync(process).ConfigureAwait(false);
    }

    /// <summary>Kills the server if it runs, then starts it again on the same port and directory.</summary>
    public async Task RestartAsync()
    {
        await KillAsync().ConfigureAwait(false);
        await LaunchAsync().ConfigureAwait(false);
    }

    /// <summary>Kills the server and deletes its directory.</summary>
    public async ValueTask DisposeAsync()
    {
        await KillAsync().ConfigureAwait(false);
        if (_ownsDirectory)
        {
            ServerEnvironment.TryDeleteDirectory(Directory);
        }
    }

    /// <summary>Sends PING over a raw socket until the server answers PONG (not LOADING), or the timeout passes.</summary>
    public static async Task<bool> WaitForPingAsync(string host, int port, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(host, port).ConfigureAwait(false);
                var stream = client.GetStream();
                await stream.WriteAsync("PING\r\n"u8.ToArray()).ConfigureAwait(false);
                var buffer = new byte[64];
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                var read = await stream.ReadAsync(buffer, cts.Token).ConfigureAwait(false);
                if (Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal))
                {
                    return true;
                }
            }
            catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
            {
            }

            await Task.Delay(50).ConfigureAwait(false);
        }

        return false;
    }

    private async Task LaunchAsync()
    {
        var start = new ProcessStartInfo(Executable!)
        {
            WorkingDirectory = Directory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", Directory, "--save", string.Empty, "--appendonly", "no", "--daemonize", "no", "--logfile", "redis.log" })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var argument in _extraArguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        if (!await WaitForPingAsync("127.0.0.1", Port, TimeSpan.FromSeconds(20)).ConfigureAwait(false))
        {
            var log = Path.Combine(Directory, "redis.log");
            var tail = File.Exists(log) ? string.Join('\n', File.ReadLines(log).TakeLast(5)) : "(no log)";
            await KillAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"redis-server on port {Port} did not answer PING within 20 s. Log:\n{tail}");
        }
    }
}

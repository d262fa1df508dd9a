using System.Diagnostics;
using System.Globalization;

namespace AgentCoherence.Testing.Servers;

/// <summary>
/// A <c>rabbitmq-server</c> from Debian's package, run as the <c>rabbitmq</c> user with its own node
/// name, Erlang cookie, ports (AMQP, distribution, epmd — all on loopback, no management plugin) and
/// directories in a temporary folder it owns. Starting takes several seconds: share one per test
/// class. <see cref="RestartAsync"/> stops the node and starts it again with the same ports and data.
/// </summary>
public sealed class RabbitMqServer : IAsyncDisposable
{
    private const string Bin = "/usr/lib/rabbitmq/bin";
    private readonly string _node;
    private readonly int _distPort;
    private readonly int _epmdPort;
    private Process? _process;

    private RabbitMqServer(string directory)
    {
        Directory = directory;
        Port = ServerEnvironment.FreePort();
        _distPort = ServerEnvironment.FreePort();
        _epmdPort = ServerEnvironment.FreePort();
        _node = "ac" + Guid.NewGuid().ToString("N")[..8] + "@localhost";
    }

    /// <summary>The AMQP port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The node's base directory (config, cookie, data, logs).</summary>
    public string Directory { get; }

    /// <summary>Why this machine cannot start a server, or null when it can.</summary>
    public static string? CannotStartReason
    {
        get
        {
            if (!File.Exists(Path.Combine(Bin, "rabbitmq-server")) || ServerEnvironment.FindExecutable("setpriv") is null)
            {
                return "rabbitmq-server (Debian package) is not installed";
            }

            return OperatingSystem.IsLinux() && Environment.UserName == "root" ? null : "starting rabbitmq-server as the rabbitmq user needs root on Linux";
        }
    }

    /// <summary>Starts a node in a new temporary directory.</summary>
    public static async Task<RabbitMqServer> StartAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), "agentcoherence-rabbitmq-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(directory);
        var server = new RabbitMqServer(directory);
        try
        {
            await server.PrepareAsync().ConfigureAwait(false);
            await server.LaunchAsync().ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Stops the node (its data stays) and starts it again on the same ports.</summary>
    public async Task RestartAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await LaunchAsync().ConfigureAwait(false);
    }

    /// <summary>Stops the node and its epmd, and deletes the directory.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await RunAsRabbitAsync("/usr/bin/epmd", TimeSpan.FromSeconds(10), "-kill").ConfigureAwait(false);
        ServerEnvironment.TryDeleteDirectory(Directory);
    }

    private async Task PrepareAsync()
    {
        await File.WriteAllTextAsync(Path.Combine(Directory, "rabbitmq.conf"), $"""
            listeners.tcp.default = 127.0.0.1:{Port}
            loopback_users.guest = true
            """).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(Directory, "enabled_plugins"), "[].").ConfigureAwait(false);
        var cookie = Path.Combine(Directory, ".erlang.cookie");
        await File.WriteAllTextAsync(cookie, Guid.NewGuid().ToString("N").ToUpperInvariant()).ConfigureAwait(false);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(cookie, UnixFileMode.UserRead);
        }

        using var chown = Process.Start("chown", ["-R", "rabbitmq:rabbitmq", Directory]);
        await chown.WaitForExitAsync().ConfigureAwait(false);
        if (chown.ExitCode != 0)
        {
            throw new InvalidOperationException($"chown of {Directory} to rabbitmq failed.");
        }
    }

    private async Task LaunchAsync()
    {
        var start = RabbitStartInfo(Path.Combine(Bin, "rabbitmq-server"));
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        var process = Process.Start(start) ?? throw new InvalidOperationException("rabbitmq-server did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            if (await RunAsRabbitAsync(Path.Combine(Bin, "rabbitmqctl"), TimeSpan.FromSeconds(70), "-n", _node, "await_startup", "--timeout", "60").ConfigureAwait(false) == 0
                && await ServerEnvironment.WaitForPortAsync(Port, TimeSpan.FromSeconds(5)).ConfigureAwait(false))
            {
                return;
            }

            await Task.Delay(500).ConfigureAwait(false);
        }

        var log = Path.Combine(Directory, "log", _node + ".log");
        var tail = File.Exists(log) ? string.Join('\n', File.ReadLines(log).TakeLast(10)) : "(no log)";
        throw new InvalidOperationException($"rabbitmq-server node {_node} did not start within 90 s. Log:\n{tail}");
    }

    private async Task StopAsync()
    {
        if (_process is not { } process)
        {
            return;
        }

        _process = null;
        await RunAsRabbitAsync(Path.Combine(Bin, "rabbitmqctl"), TimeSpan.FromSeconds(60), "-n", _node, "stop").ConfigureAwait(false);
        using var exited = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(exited.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
        }

        process.Dispose();
    }

    private ProcessStartInfo RabbitStartInfo(string executable)
    {
        var start = new ProcessStartInfo("setpriv") { UseShellExecute = false, WorkingDirectory = Directory };
        foreach (var argument in new[] { "--reuid", "rabbitmq", "--regid", "rabbitmq", "--init-groups", executable })
        {
            start.ArgumentList.Add(argument);
        }

        var env = start.Environment;
        env["HOME"] = Directory;
        env["RABBITMQ_NODENAME"] = _node;
        env["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1";
        env["RABBITMQ_NODE_PORT"] = Port.ToString(CultureInfo.InvariantCulture);
        env["RABBITMQ_DIST_PORT"] = _distPort.ToString(CultureInfo.InvariantCulture);
        env["ERL_EPMD_PORT"] = _epmdPort.ToString(CultureInfo.InvariantCulture);
        env["ERL_EPMD_ADDRESS"] = "127.0.0.1";
        env["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}";
        env["RABBITMQ_MNESIA_BASE"] = Path.Combine(Directory, "mnesia");
        env["RABBITMQ_LOG_BASE"] = Path.Combine(Directory, "log");
        env["RABBITMQ_CONFIG_FILE"] = Path.Combine(Directory, "rabbitmq.conf");
        env["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(Directory, "enabled_plugins");
        env["RABBITMQ_PID_FILE"] = Path.Combine(Directory, "rabbitmq.pid");
        return start;
    }

    private async Task<int> RunAsRabbitAsync(string executable, TimeSpan timeout, params string[] arguments)
    {
        var start = RabbitStartInfo(executable);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return -1;
        }

        await Task.WhenAll(output, error).ConfigureAwait(false);
        return process.ExitCode;
    }
}

using System.Diagnostics;
using System.Reflection;
using System.Threading.Channels;

using Xunit;

namespace AgentCoherence.Testing;

/// <summary>
/// One run of a test project's worker program as a separate OS process, with its stdout as lines. The
/// test assembly names its worker with <c>[assembly: AssemblyMetadata("WorkerAssembly", path)]</c>.
/// </summary>
public sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _seen = [];
    private readonly System.Text.StringBuilder _errors = new();

    private WorkerProcess(Process process)
    {
        _process = process;
    }

    /// <summary>Every line read so far, for failure messages.</summary>
    public string Transcript => string.Join("\n", _seen) + (_errors.Length > 0 ? "\nstderr:\n" + _errors : "");

    public static WorkerProcess Start(params string[] arguments)
    {
        var worker = AppDomain.CurrentDomain.GetAssemblies()
            .SelectMany(a => a.GetCustomAttributes<AssemblyMetadataAttribute>())
            .Single(a => a.Key == "WorkerAssembly").Value!;
        Assert.True(File.Exists(worker), $"The worker is not built at {worker}.");
        var info = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(worker);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info };
        var result = new WorkerProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                result._lines.Writer.TryComplete();
            }
            else
            {
                result._lines.Writer.TryWrite(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (result._errors)
                {
                    result._errors.AppendLine(e.Data);
                }
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return result;
    }

    /// <summary>The next line that starts with <paramref name="prefix"/>; fails after <paramref name="timeout"/> or when the process ends first.</summary>
    public async Task<string> WaitForLine(string prefix, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            while (await _lines.Reader.WaitToReadAsync(cancel.Token))
            {
                while (_lines.Reader.TryRead(out var line))
                {
                    _seen.Add(line);
                    if (line.StartsWith(prefix, StringComparison.Ordinal))
                    {
                        return line;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        throw new Xunit.Sdk.XunitException($"No line starting with '{prefix}' within {timeout}. Output so far:\n{Transcript}");
    }

    /// <summary>Every remaining line until the process closes stdout.</summary>
    public async Task<List<string>> ReadToEnd(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var lines = new List<string>();
        await foreach (var line in _lines.Reader.ReadAllAsync(cancel.Token))
        {
            _seen.Add(line);
            lines.Add(line);
        }

        return lines;
    }

    public void SendLine(string line)
    {
        _process.StandardInput.WriteLine(line);
        _process.StandardInput.Flush();
    }

    public async Task<int> WaitForExit(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"The worker did not exit within {timeout}. Output so far:\n{Transcript}");
        }

        return _process.ExitCode;
    }

    /// <summary>SIGKILL on Unix: no finally blocks, no flush, no SQLite close; the OS drops the file locks.</summary>
    public void KillHard()
    {
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }

        return Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }
}

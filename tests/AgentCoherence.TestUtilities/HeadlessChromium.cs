using System.Diagnostics;
using System.Text;
using AgentCoherence.Testing.Servers;

namespace AgentCoherence.Testing;

/// <summary>
/// Debian's <c>chromium</c> in headless mode, for tests that open a generated page: the DOM after the page loaded
/// (<c>--dump-dom</c>) or a PNG screenshot. Each call is its own process with its own throw-away profile, ended
/// (with its children) when it overruns its timeout. Where the binary is missing a test skips, or fails under
/// <c>CI=true</c>: call <see cref="ServerSkip.SkipIfUnavailable"/> with <see cref="UnavailableReason"/>.
/// </summary>
public static class HeadlessChromium
{
    /// <summary>What to do when no Chromium is available.</summary>
    public const string MissingMessage =
        "No Chromium: chromium is not on PATH and AGENTCOHERENCE_CHROMIUM is not set. Install it (apt-get install chromium; .ci/apt-packages lists it) or point AGENTCOHERENCE_CHROMIUM at a Chromium or Chrome binary.";

    /// <summary>How long one call may take before it is killed.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The browser binary: <c>AGENTCOHERENCE_CHROMIUM</c>, else <c>chromium</c>, <c>chromium-browser</c> or <c>google-chrome</c> on PATH; null when none.</summary>
    public static string? Executable { get; } =
        Environment.GetEnvironmentVariable("AGENTCOHERENCE_CHROMIUM") is { Length: > 0 } configured && File.Exists(configured)
            ? configured
            : ServerEnvironment.FindExecutable("chromium") ?? ServerEnvironment.FindExecutable("chromium-browser") ?? ServerEnvironment.FindExecutable("google-chrome");

    /// <summary>Null when Chromium is available, else why not (for <see cref="ServerSkip.SkipIfUnavailable"/>).</summary>
    public static string? UnavailableReason => Executable is null ? MissingMessage : null;

    /// <summary>Loads <paramref name="htmlFile"/> and returns the serialized DOM after load.</summary>
    /// <exception cref="InvalidOperationException">Chromium is missing, failed, or printed no DOM.</exception>
    /// <exception cref="TimeoutException">It did not finish within the timeout (it was killed).</exception>
    public static async Task<string> DumpDomAsync(string htmlFile, TimeSpan? timeout = null)
    {
        var (stdout, stderr) = await RunAsync(["--dump-dom", FileUrl(htmlFile)], timeout ?? DefaultTimeout).ConfigureAwait(false);
        if (!stdout.Contains("<html", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"chromium --dump-dom printed no document for {htmlFile}. stderr: {Tail(stderr)}");
        }

        return stdout;
    }

    /// <summary>Loads <paramref name="htmlFile"/> in a window of the given size and writes a PNG screenshot to <paramref name="pngFile"/>.</summary>
    /// <exception cref="InvalidOperationException">Chromium is missing, failed, or wrote no file.</exception>
    /// <exception cref="TimeoutException">It did not finish within the timeout (it was killed).</exception>
    public static async Task ScreenshotAsync(string htmlFile, string pngFile, int width = 1280, int height = 2000, TimeSpan? timeout = null)
    {
        var target = Path.GetFullPath(pngFile);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Delete(target);
        var (_, stderr) = await RunAsync([$"--screenshot={target}", $"--window-size={width},{height}", "--hide-scrollbars", FileUrl(htmlFile)], timeout ?? DefaultTimeout).ConfigureAwait(false);
        if (!File.Exists(target) || new FileInfo(target).Length == 0)
        {
            throw new InvalidOperationException($"chromium --screenshot wrote no file at {target}. stderr: {Tail(stderr)}");
        }
    }

    private static string FileUrl(string path) => new Uri(Path.GetFullPath(path)).AbsoluteUri;

    private static async Task<(string Stdout, string Stderr)> RunAsync(IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        if (Executable is null)
        {
            throw new InvalidOperationException(MissingMessage);
        }

        var profile = Path.Combine(Path.GetTempPath(), "agentcoherence-chromium", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(profile);
        var start = new ProcessStartInfo(Executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (var argument in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
                     "--disable-extensions", "--disable-background-networking", "--disable-sync", "--mute-audio", $"--user-data-dir={profile}",
                 }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                await ServerEnvironment.KillAsync(process).ConfigureAwait(false);
                throw new TimeoutException($"chromium did not finish within {timeout.TotalSeconds:0} s and was killed ({string.Join(' ', arguments)}).");
            }

            var (output, errors) = (await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"chromium exited with {process.ExitCode} ({string.Join(' ', arguments)}). stderr: {Tail(errors)}");
            }

            return (output, errors);
        }
        finally
        {
            ServerEnvironment.TryDeleteDirectory(profile);
        }
    }

    private static string Tail(string text) => text.Length <= 2000 ? text : "…" + text[^2000..];
}

using System.Diagnostics;
using AgentCoherence.Testing.Servers;

namespace AgentCoherence.Mcp.Tests;

/// <summary>
/// A third-party MCP client — the official TypeScript SDK from npm (<c>node/</c>, installed by <c>npm ci</c> in
/// <c>.ci/test.sh</c>) — spawns the stdio server and runs the two-agent stale-write scenario, asserting the
/// refusal's structured content. Skipped without node or the installed client; failed instead under <c>CI=true</c>.
/// </summary>
public sealed class NodeClientTests : IDisposable
{
    private readonly TempDirectory _workspace = new("agentcoherence-mcp-tests");

    public void Dispose() => _workspace.Dispose();

    [SkippableFact]
    public async Task The_typescript_sdk_client_sees_the_stale_write_refused_with_structured_content_and_recovers()
    {
        var node = ServerEnvironment.FindExecutable("node");
        var sdk = Path.Combine(BuiltServer.NodeClientDirectory, "node_modules", "@modelcontextprotocol", "sdk", "package.json");
        ServerSkip.SkipIfUnavailable(
            node is null ? "node is not on PATH (the third-party MCP client test needs Node.js 18+ and npm)"
            : !File.Exists(sdk) ? $"the npm MCP client is not installed: run 'npm ci' in {BuiltServer.NodeClientDirectory} (.ci/test.sh does)"
            : null);
        BuiltServer.AssertBuilt();

        var info = new ProcessStartInfo(node!)
        {
            WorkingDirectory = BuiltServer.NodeClientDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "stale-write.mjs", BuiltServer.DotnetHost, BuiltServer.Assembly, "--root", _workspace.Path, "--managed", "plans/**" })
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException($"The node scenario did not finish within 2 minutes.\nstdout:\n{await stdout}\nstderr:\n{await stderr}");
        }

        var output = await stdout;
        var transcript = $"exit {process.ExitCode}\nstdout:\n{output}\nstderr:\n{await stderr}";
        Assert.True(process.ExitCode == 0, transcript);
        Assert.Contains("ok planner's stale write refused: {\"reason\":\"stale_view\"", output, StringComparison.Ordinal);
        Assert.EndsWith("scenario passed", output.TrimEnd(), StringComparison.Ordinal);
        Assert.Equal("1. research\n2. review\n3. build\n", File.ReadAllText(_workspace.File("plans/plan.md")));
    }
}

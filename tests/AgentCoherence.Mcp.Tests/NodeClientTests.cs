using System.Diagnostics;
using System.Text.Json;
using AgentCoherence.Testing.Servers;

namespace AgentCoherence.Mcp.Tests;

/// <summary>
/// Third-party clients from npm (<c>node/</c>, installed by <c>npm ci</c> in <c>.ci/test.sh</c>) spawn the stdio
/// server: the official MCP TypeScript SDK client runs the two-agent stale-write scenario, and the OpenAI Agents
/// SDK runs an agent with a scripted model to show what a model is actually given when a tool call is refused.
/// Skipped without node or the installed packages; failed instead under <c>CI=true</c>.
/// </summary>
public sealed class NodeClientTests : IDisposable
{
    private readonly TempDirectory _workspace = new("agentcoherence-mcp-tests");

    public void Dispose() => _workspace.Dispose();

    [SkippableFact]
    public async Task The_typescript_sdk_client_sees_the_stale_write_refused_with_structured_content_and_recovers()
    {
        var run = await RunScenarioAsync("stale-write.mjs", Path.Combine("@modelcontextprotocol", "sdk"));

        Assert.True(run.ExitCode == 0, run.Transcript);
        Assert.Contains("ok planner's stale write refused: {\"reason\":\"stale_view\"", run.Stdout, StringComparison.Ordinal);
        Assert.EndsWith("scenario passed", run.Stdout.TrimEnd(), StringComparison.Ordinal);
        Assert.Equal("1. research\n2. review\n3. build\n", File.ReadAllText(_workspace.File("plans/plan.md")));
    }

    [SkippableFact]
    public async Task The_openai_agents_sdk_hands_the_model_the_refusal_as_json_naming_the_callers_path()
    {
        var run = await RunScenarioAsync("agents-sdk-refusal.mjs", Path.Combine("@openai", "agents"));

        Assert.True(run.ExitCode == 0, run.Transcript);
        var line = run.Stdout.Split('\n').SingleOrDefault(l => l.StartsWith("model-input ", StringComparison.Ordinal));
        Assert.True(line is not null, run.Transcript);
        // What the SDK put in the model's second turn for the refused write_cas: only text reaches the model.
        var texts = TextsOf(JsonDocument.Parse(line["model-input ".Length..]).RootElement).ToList();
        Assert.True(texts.Count > 0, run.Transcript);
        var refusals = texts.Select(TryParseObject).OfType<JsonElement>().ToList();
        Assert.True(refusals.Count == 1, "The model was given no refusal as JSON text:\n" + string.Join("\n", texts));
        var refusal = refusals[0];
        Assert.Equal("version_conflict", refusal.GetProperty("reason").GetString());
        Assert.Equal(2, refusal.GetProperty("current_version").GetInt64());
        Assert.Equal(1, refusal.GetProperty("expected_version").GetInt64());
        Assert.True(refusal.GetProperty("retryable").GetBoolean());
        Assert.Equal("plans/plan.md", refusal.GetProperty("path").GetString());
        Assert.All(texts, text => Assert.DoesNotContain("volume/", text, StringComparison.Ordinal));
        Assert.Contains(texts, text => text.Contains("'plans/plan.md'", StringComparison.Ordinal) && TryParseObject(text) is null);
        Assert.Equal("v2\n", File.ReadAllText(_workspace.File("plans/plan.md")));
    }

    private async Task<NodeRun> RunScenarioAsync(string script, string package)
    {
        var node = ServerEnvironment.FindExecutable("node");
        var installed = Path.Combine(BuiltServer.NodeClientDirectory, "node_modules", package, "package.json");
        ServerSkip.SkipIfUnavailable(
            node is null ? "node is not on PATH (the third-party MCP client tests need Node.js 20+ and npm)"
            : !File.Exists(installed) ? $"the npm package {package.Replace('\\', '/')} is not installed: run 'npm ci' in {BuiltServer.NodeClientDirectory} (.ci/test.sh does)"
            : null);
        BuiltServer.AssertBuilt();

        var info = new ProcessStartInfo(node!)
        {
            WorkingDirectory = BuiltServer.NodeClientDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // No network and no key: the Agents SDK must neither export traces nor reach a model API.
        info.Environment["OPENAI_AGENTS_DISABLE_TRACING"] = "1";
        info.Environment["OPENAI_BASE_URL"] = "http://127.0.0.1:9/v1";
        info.Environment.Remove("OPENAI_API_KEY");
        foreach (var argument in new[] { script, BuiltServer.DotnetHost, BuiltServer.Assembly, "--root", _workspace.Path, "--managed", "plans/**" })
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
            throw new Xunit.Sdk.XunitException($"node {script} did not finish within 2 minutes.\nstdout:\n{await stdout}\nstderr:\n{await stderr}");
        }

        return new NodeRun(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Every text the model input carries: <c>input_text</c> items of a content list, or a plain text output.</summary>
    private static IEnumerable<string> TextsOf(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    foreach (var text in TextsOf(item))
                    {
                        yield return text;
                    }
                }

                break;
            case JsonValueKind.Object:
                if (element.TryGetProperty("text", out var value) && value.ValueKind == JsonValueKind.String)
                {
                    yield return value.GetString()!;
                }
                else if (element.TryGetProperty("output", out var output))
                {
                    foreach (var text in output.ValueKind == JsonValueKind.String ? [output.GetString()!] : TextsOf(output))
                    {
                        yield return text;
                    }
                }

                break;
        }
    }

    private static JsonElement? TryParseObject(string text)
    {
        try
        {
            var root = JsonDocument.Parse(text).RootElement;
            return root.ValueKind == JsonValueKind.Object ? root : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed record NodeRun(int ExitCode, string Stdout, string Stderr)
    {
        public string Transcript => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
    }
}

using System.Collections.Concurrent;
using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace AgentCoherence.Mcp.Tests;

/// <summary>The built server as a child process over stdio, launched the way an MCP host launches it.</summary>
public sealed class StdioProcessTests : IDisposable
{
    private readonly TempDirectory _workspace = new("agentcoherence-mcp-tests");
    private readonly ConcurrentQueue<string> _stderr = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public async Task Two_agents_on_one_server_process_a_stale_write_is_refused_then_recovered_by_reacquire()
    {
        await using var client = await StartAsync("server");

        await Ok(client, "write", new() { ["agent"] = "planner", ["path"] = "plans/plan.md", ["content"] = "1. research\n" });
        await Ok(client, "read", new() { ["agent"] = "planner", ["path"] = "plans/plan.md" });
        var theirs = await Ok(client, "read", new() { ["agent"] = "reviewer", ["path"] = "plans/plan.md" });
        await Ok(client, "write", new() { ["agent"] = "reviewer", ["path"] = "plans/plan.md", ["content"] = theirs.GetProperty("content").GetString() + "2. review\n" });

        var refused = await client.CallToolAsync("write", new Dictionary<string, object?> { ["agent"] = "planner", ["path"] = "plans/plan.md", ["content"] = "1. research\n2. build\n" });

        Assert.True(refused.IsError);
        RefusalTests.AssertRefusal(refused.StructuredContent!.Value, "stale_view", currentVersion: 2, expectedVersion: 1, retryable: true, "reacquire");
        var fresh = await Ok(client, "reacquire", new() { ["agent"] = "planner", ["path"] = "plans/plan.md" });
        var merged = await Ok(client, "write", new() { ["agent"] = "planner", ["path"] = "plans/plan.md", ["content"] = fresh.GetProperty("content").GetString() + "3. build\n" });
        Assert.Equal(3, merged.GetProperty("version").GetInt64());
        Assert.Equal("1. research\n2. review\n3. build\n", File.ReadAllText(_workspace.File("plans/plan.md")));
    }

    [Fact]
    public async Task Two_server_processes_on_one_root_refuse_a_stale_write_across_processes()
    {
        await using var plannerServer = await StartAsync("planner-server");
        await using var reviewerServer = await StartAsync("reviewer-server");

        await Ok(plannerServer, "write", new() { ["agent"] = "planner", ["path"] = "plans/plan.md", ["content"] = "v1" });
        await Ok(plannerServer, "read", new() { ["agent"] = "planner", ["path"] = "plans/plan.md" });
        await Ok(reviewerServer, "read", new() { ["agent"] = "reviewer", ["path"] = "plans/plan.md" });
        await Ok(reviewerServer, "write", new() { ["agent"] = "reviewer", ["path"] = "plans/plan.md", ["content"] = "v2" });

        var refused = await plannerServer.CallToolAsync("write", new Dictionary<string, object?> { ["agent"] = "planner", ["path"] = "plans/plan.md", ["content"] = "stale" });

        Assert.True(refused.IsError);
        RefusalTests.AssertRefusal(refused.StructuredContent!.Value, "stale_view", currentVersion: 2, expectedVersion: 1, retryable: true, "reacquire");
        Assert.Equal("v2", File.ReadAllText(_workspace.File("plans/plan.md")));
    }

    [Fact]
    public async Task One_server_process_per_call_keeps_each_agents_view_so_a_fresh_write_lands_and_a_stale_one_is_refused()
    {
        // How langchain-mcp-adapters runs tools without a session: a new stdio server for every call.
        await Once("write", new() { ["agent"] = "planner", ["path"] = "plans/plan.md", ["content"] = "v1" });
        var read = await Once("read", new() { ["agent"] = "reviewer", ["path"] = "plans/plan.md" });
        Assert.Equal(1, read.StructuredContent!.Value.GetProperty("version").GetInt64());

        var written = await Once("write", new() { ["agent"] = "reviewer", ["path"] = "plans/plan.md", ["content"] = "v2 by reviewer" });
        Assert.True(written.IsError is not true, string.Concat(written.Content.OfType<TextContentBlock>().Select(t => t.Text)));
        Assert.Equal(2, written.StructuredContent!.Value.GetProperty("version").GetInt64());

        var stale = await Once("write", new() { ["agent"] = "planner", ["path"] = "plans/plan.md", ["content"] = "planner saw v1 only" });
        Assert.True(stale.IsError);
        RefusalTests.AssertRefusal(stale.StructuredContent!.Value, "stale_view", currentVersion: 2, expectedVersion: 1, retryable: true, "reacquire");
        Assert.Equal("v2 by reviewer", File.ReadAllText(_workspace.File("plans/plan.md")));
    }

    [Fact]
    public async Task With_forget_on_exit_an_agents_view_ends_with_its_server_process()
    {
        await Once("write", new() { ["agent"] = "planner", ["path"] = "plans/plan.md", ["content"] = "v1" });
        await Once("read", new() { ["agent"] = "reviewer", ["path"] = "plans/plan.md" }, "--forget-on-exit");

        var written = await Once("write", new() { ["agent"] = "reviewer", ["path"] = "plans/plan.md", ["content"] = "v2" });

        Assert.True(written.IsError);
        RefusalTests.AssertRefusal(written.StructuredContent!.Value, "stale_view", currentVersion: 1, expectedVersion: 0, retryable: true, "reacquire");
    }

    [Fact]
    public async Task Logs_go_to_stderr_and_the_root_comes_from_the_environment()
    {
        await using var client = await StartAsync("server");

        var written = await Ok(client, "write", new() { ["agent"] = "planner", ["path"] = "plans/plan.md", ["content"] = "x" });

        Assert.Equal(1, written.GetProperty("version").GetInt64());
        Assert.True(File.Exists(_workspace.File("plans/plan.md")));
        await WaitFor(() => _stderr.Any(l => l.Contains("Agent planner joined", StringComparison.Ordinal)), "the join log line on stderr");
    }

    // One tool call on a server process of its own, stopped (and waited for) before returning.
    private async Task<CallToolResult> Once(string tool, Dictionary<string, object?> arguments, params string[] extraArguments)
    {
        await using var client = await StartAsync("one-call", extraArguments);
        return await client.CallToolAsync(tool, arguments);
    }

    private async Task<McpClient> StartAsync(string name, params string[] extraArguments)
    {
        BuiltServer.AssertBuilt();
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = name,
            Command = BuiltServer.DotnetHost,
            Arguments = [BuiltServer.Assembly, "--managed", "plans/**", .. extraArguments],
            EnvironmentVariables = new Dictionary<string, string?> { ["AGENTCOHERENCE__MCP__ROOT"] = _workspace.Path },
            StandardErrorLines = line => _stderr.Enqueue(line),
        });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        return await McpClient.CreateAsync(transport, cancellationToken: timeout.Token);
    }

    private static async Task<JsonElement> Ok(McpClient client, string tool, Dictionary<string, object?> arguments)
    {
        var result = await client.CallToolAsync(tool, arguments);
        Assert.True(result.IsError is not true, $"{tool} failed: {string.Concat(result.Content.OfType<TextContentBlock>().Select(t => t.Text))}");
        return result.StructuredContent!.Value;
    }

    private async Task WaitFor(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"No {what} within 10 s. stderr:\n{string.Join("\n", _stderr)}");
            }

            await Task.Delay(20);
        }
    }
}

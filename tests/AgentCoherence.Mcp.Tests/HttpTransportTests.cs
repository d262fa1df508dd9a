using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using ModelContextProtocol.Client;

namespace AgentCoherence.Mcp.Tests;

/// <summary>Streamable HTTP: loopback only, and nothing without the bearer token.</summary>
public sealed partial class HttpTransportTests : IAsyncLifetime
{
    private const string Token = "test-token-0123456789abcdef";
    private const string Initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}""";

    private readonly TempDirectory _workspace = new("agentcoherence-mcp-tests");
    private WebApplication _app = null!;
    private string _endpoint = null!;

    public async Task InitializeAsync()
    {
        var options = new CoherenceMcpOptions { Root = _workspace.Path, Managed = ["plans/**"], Http = true, Port = 0 };
        _app = CoherenceMcpServer.BuildHttpApp(options, Token);
        await _app.StartAsync();
        _endpoint = CoherenceMcpProgram.HttpEndpoint(_app, options);
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _workspace.Dispose();
    }

    [Fact]
    public void The_server_listens_on_loopback_only()
    {
        var uri = new Uri(_endpoint);

        Assert.Equal("127.0.0.1", uri.Host);
        Assert.Equal("/mcp", uri.AbsolutePath);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer wrong-token-0123456789")]
    [InlineData("Basic dGVzdDp0ZXN0")]
    [InlineData("Bearer " + Token + "x")]
    public async Task A_request_without_the_right_bearer_token_gets_401(string? authorization)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = new StringContent(Initialize, Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task With_the_token_two_agents_get_the_stale_write_refusal()
    {
        await using var client = await ConnectAsync(_endpoint, Token);

        await client.CallToolAsync("write", new Dictionary<string, object?> { ["agent"] = "planner", ["path"] = "plans/plan.md", ["content"] = "v1" });
        await client.CallToolAsync("read", new Dictionary<string, object?> { ["agent"] = "planner", ["path"] = "plans/plan.md" });
        await client.CallToolAsync("read", new Dictionary<string, object?> { ["agent"] = "reviewer", ["path"] = "plans/plan.md" });
        var landed = await client.CallToolAsync("write", new Dictionary<string, object?> { ["agent"] = "reviewer", ["path"] = "plans/plan.md", ["content"] = "v2" });
        var refused = await client.CallToolAsync("write", new Dictionary<string, object?> { ["agent"] = "planner", ["path"] = "plans/plan.md", ["content"] = "stale" });

        Assert.NotEqual(true, landed.IsError);
        Assert.True(refused.IsError);
        RefusalTests.AssertRefusal(refused.StructuredContent!.Value, "stale_view", currentVersion: 2, expectedVersion: 1, retryable: true, "reacquire");
        Assert.Equal("v2", File.ReadAllText(_workspace.File("plans/plan.md")));
    }

    [Fact]
    public async Task Without_a_configured_token_one_is_generated_and_printed_on_stderr()
    {
        var stderr = new LockedStringWriter();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var run = CoherenceMcpProgram.RunAsync(["--root", _workspace.Path, "--http", "--port", "0"], TextWriter.Null, stderr, stop.Token);

        var serving = await WaitForLine(stderr, ServingLine(), run);
        var token = GeneratedTokenLine().Match(stderr.ToString()!).Groups[1].Value;
        await using (var client = await ConnectAsync(serving.Groups[1].Value, token))
        {
            var status = await client.CallToolAsync("status", new Dictionary<string, object?> { ["agent"] = "planner" });
            Assert.NotEqual(true, status.IsError);
        }

        await stop.CancelAsync();
        Assert.Equal(0, await run);
        Assert.True(token.Length >= 40);
    }

    private static async Task<McpClient> ConnectAsync(string endpoint, string token)
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(endpoint),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = new AuthenticationHeaderValue("Bearer", token).ToString() },
        });
        return await McpClient.CreateAsync(transport);
    }

    private static async Task<Match> WaitForLine(TextWriter writer, Regex pattern, Task run)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var match = pattern.Match(writer.ToString()!);
            if (match.Success)
            {
                return match;
            }

            if (run.IsCompleted || DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"The server did not report serving. stderr:\n{writer}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>A string writer the server writes to while the test reads it.</summary>
    private sealed class LockedStringWriter : StringWriter
    {
        private readonly Lock _gate = new();

        public override void Write(char value)
        {
            lock (_gate)
            {
                base.Write(value);
            }
        }

        public override void Write(string? value)
        {
            lock (_gate)
            {
                base.Write(value);
            }
        }

        public override void Write(char[] buffer, int index, int count)
        {
            lock (_gate)
            {
                base.Write(buffer, index, count);
            }
        }

        public override string ToString()
        {
            lock (_gate)
            {
                return base.ToString();
            }
        }
    }

    [GeneratedRegex(@"coherence-mcp: serving (http://127\.0\.0\.1:\d+/mcp)")]
    private static partial Regex ServingLine();

    [GeneratedRegex(@"generated bearer token: (\S+)")]
    private static partial Regex GeneratedTokenLine();
}

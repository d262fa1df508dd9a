using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using AgentCoherence.Protocol;

namespace AgentCoherence.Mcp.Tests;

/// <summary>
/// The server's DI wiring hosted in the test process, with an MCP client talking to it over a pair of pipes:
/// the whole protocol path (schemas, argument binding, the refusal filter, JSON) without a child process.
/// </summary>
internal sealed class InProcessServer : IAsyncDisposable
{
    private readonly IHost _host;

    private InProcessServer(TempDirectory workspace, IHost host, McpClient client)
    {
        Workspace = workspace;
        _host = host;
        Client = client;
    }

    /// <summary>A temporary root with <c>plans/**</c> and <c>memory/*.json</c> managed.</summary>
    public TempDirectory Workspace { get; }

    public McpClient Client { get; }

    public AgentVolumes Volumes => _host.Services.GetRequiredService<AgentVolumes>();

    /// <summary>Starts a server; <paramref name="store"/> replaces the volume's SQLite store.</summary>
    public static async Task<InProcessServer> StartAsync(Action<CoherenceMcpOptions>? configure = null, IDirectoryStore? store = null)
    {
        var workspace = new TempDirectory("agentcoherence-mcp-tests");
        var options = new CoherenceMcpOptions { Root = workspace.Path, Managed = ["plans/**", "memory/*.json"] };
        configure?.Invoke(options);
        var clientToServer = new Pipe();
        var serverToClient = new Pipe();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddCoherenceMcp(options).WithStreamServerTransport(clientToServer.Reader.AsStream(), serverToClient.Writer.AsStream());
        if (store is not null)
        {
            builder.Services.AddSingleton(_ => new AgentVolumes(options, NullLogger<AgentVolumes>.Instance, store));
        }

        var host = builder.Build();
        await host.StartAsync();
        var client = await McpClient.CreateAsync(new StreamClientTransport(clientToServer.Writer.AsStream(), serverToClient.Reader.AsStream()));
        return new InProcessServer(workspace, host, client);
    }

    /// <summary>Calls a tool; <paramref name="arguments"/> is an anonymous object or a dictionary.</summary>
    public async Task<CallToolResult> Call(string tool, object arguments)
    {
        var dictionary = arguments as IReadOnlyDictionary<string, object?>
            ?? JsonSerializer.Deserialize<Dictionary<string, object?>>(JsonSerializer.Serialize(arguments))!;
        return await Client.CallToolAsync(tool, dictionary);
    }

    /// <summary>Calls a tool that must succeed; returns its structured content.</summary>
    public async Task<JsonElement> Ok(string tool, object arguments)
    {
        var result = await Call(tool, arguments);
        Assert.True(result.IsError is not true, $"{tool} failed: {Text(result)}");
        return Structured(result);
    }

    /// <summary>
    /// Calls a tool that must be refused; returns the refusal's structured content, after checking what every refusal
    /// carries: a sentence, then the same JSON as the structured content as text, and no store key (<c>volume/…</c>).
    /// </summary>
    public async Task<JsonElement> Refused(string tool, object arguments)
    {
        var result = await Call(tool, arguments);
        Assert.True(result.IsError is true, $"{tool} was expected to be refused but returned: {Text(result)}");
        return AssertRefusalShape(result);
    }

    /// <summary>
    /// The refusal's structured content, after checking its text blocks: a sentence starting <c>refused (reason)</c>,
    /// then the refusal as JSON equal to the structured content (hosts that pass a model only the text of an error
    /// still give it every field), and no store key in either.
    /// </summary>
    public static JsonElement AssertRefusalShape(CallToolResult result)
    {
        var structured = Structured(result);
        var texts = result.Content.OfType<TextContentBlock>().Select(t => t.Text).ToList();
        Assert.Equal(2, texts.Count);
        Assert.StartsWith($"refused ({structured.GetProperty("reason").GetString()}): ", texts[0], StringComparison.Ordinal);
        using var json = JsonDocument.Parse(texts[1]);
        Assert.True(JsonElement.DeepEquals(structured, json.RootElement), $"The JSON text differs from the structured content:\n{texts[1]}\n{structured}");
        Assert.All(texts, text => Assert.DoesNotContain(Volume.CoherentVolume.Namespace + "/", text, StringComparison.Ordinal));
        return structured;
    }

    public string Disk(string relative) => File.ReadAllText(Workspace.File(relative));

    public static JsonElement Structured(CallToolResult result) =>
        result.StructuredContent ?? throw new Xunit.Sdk.XunitException("The result has no structured content: " + Text(result));

    public static string Text(CallToolResult result) => string.Concat(result.Content.OfType<TextContentBlock>().Select(t => t.Text));

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await _host.StopAsync();
        await ((IAsyncDisposable)_host).DisposeAsync();
        Workspace.Dispose();
    }
}

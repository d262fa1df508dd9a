using System.Net;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace AgentCoherence.Mcp;

/// <summary>Wires the tools into an MCP server: over stdio (the default), over any pair of streams, or over streamable HTTP on loopback.</summary>
internal static class CoherenceMcpServer
{
    public const string Name = "coherence-mcp";

    public static string Version { get; } =
        typeof(CoherenceMcpServer).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>
    /// Registers the options, the per-agent volumes and the tools; every tool failure goes through one filter that
    /// returns a structured refusal, so no exception, expected or not, reaches the client as a bare error or stops the server.
    /// </summary>
    public static IMcpServerBuilder AddCoherenceMcp(this IServiceCollection services, CoherenceMcpOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton<AgentVolumes>();
        return services
            .AddMcpServer(o =>
            {
                o.ServerInfo = new Implementation { Name = Name, Version = Version };
                o.ServerInstructions = "Shared files kept coherent between agents. Always pass the same `agent` name. Read a file before writing it; "
                    + "a refused call (isError; the refusal as JSON in the second text block and in structuredContent) says what to do in next_action: reacquire (re-read, re-derive, write again), "
                    + "merge, wait, adopt, create or fix_arguments.";
            })
            .WithTools<CoherenceTools>()
            .WithRequestFilters(filters => filters.AddCallToolFilter(next => async (context, cancellationToken) =>
            {
                try
                {
                    return await next(context, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }
                catch (Exception ex)
                {
                    var arguments = context.Params?.Arguments;
                    var result = ToolRefusals.From(ex, Argument(arguments, "agent"), Argument(arguments, "path"), PublishPaths(arguments));
                    var logger = context.Services?.GetService<ILoggerFactory>()?.CreateLogger("AgentCoherence.Mcp.Tools");
                    if (ToolRefusals.IsUnexpected(ex))
                    {
                        logger?.LogError(4100, ex, "Tool {Tool} failed unexpectedly", context.Params?.Name);
                    }
                    else
                    {
                        logger?.LogDebug(4101, "Tool {Tool} refused: {Message}", context.Params?.Name, ex.Message);
                    }

                    return result;
                }
            }));
    }

    /// <summary>Serves MCP over stdio until the client closes stdin. Logs go to stderr: stdout carries the protocol only.</summary>
    public static async Task RunStdioAsync(CoherenceMcpOptions options, CancellationToken cancellationToken)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        ConfigureLogging(builder.Logging);
        builder.Services.AddCoherenceMcp(options).WithStdioServerTransport();
        using var host = builder.Build();
        await host.RunAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A web application serving streamable HTTP (stateless) at <see cref="CoherenceMcpOptions.Path"/>, bound to
    /// 127.0.0.1 only, answering 401 to any request without <c>Authorization: Bearer &lt;token&gt;</c>.
    /// </summary>
    public static WebApplication BuildHttpApp(CoherenceMcpOptions options, string token)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        ConfigureLogging(builder.Logging);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, options.Port));
        builder.Services.AddCoherenceMcp(options).WithHttpTransport(http => http.Stateless = true);
        var app = builder.Build();
        app.UseMiddleware<BearerTokenMiddleware>(token);
        app.MapMcp(options.Path);
        return app;
    }

    private static void ConfigureLogging(ILoggingBuilder logging)
    {
        logging.ClearProviders();
        logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        logging.AddSimpleConsole(format =>
        {
            format.SingleLine = true;
            format.TimestampFormat = "HH:mm:ss ";
        });
        logging.SetMinimumLevel(LogLevel.Information);
        logging.AddFilter("Microsoft", LogLevel.Warning);
        logging.AddFilter("ModelContextProtocol", LogLevel.Warning);
    }

    private static string? Argument(IDictionary<string, JsonElement>? arguments, string name) =>
        arguments is not null && arguments.TryGetValue(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>The <c>path</c> of each item of a <c>publish</c> call, in order (null where an item has none); empty for other calls.</summary>
    private static string?[] PublishPaths(IDictionary<string, JsonElement>? arguments)
    {
        if (arguments is null || !arguments.TryGetValue("items", out var items) || items.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        return [.. items.EnumerateArray().Select(item =>
            item.ValueKind == JsonValueKind.Object && item.TryGetProperty("path", out var path) && path.ValueKind == JsonValueKind.String ? path.GetString() : null)];
    }
}

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AgentCoherence.Mcp;

/// <summary>The <c>coherence-mcp</c> entry point: settings from appsettings.json, <c>--config</c>, the environment and the command line, then stdio or HTTP.</summary>
internal static class CoherenceMcpProgram
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        var line = CommandLine.Parse(args, out var error);
        if (error is not null)
        {
            await stderr.WriteLineAsync($"coherence-mcp: {error}\n\n{CommandLine.Usage}").ConfigureAwait(false);
            return 2;
        }

        if (line.ShowHelp)
        {
            await stdout.WriteLineAsync(CommandLine.Usage).ConfigureAwait(false);
            return 0;
        }

        CoherenceMcpOptions options;
        try
        {
            options = LoadOptions(line, Directory.GetCurrentDirectory());
        }
        catch (Exception ex) when (ex is InvalidDataException or FileNotFoundException or FormatException or InvalidOperationException)
        {
            await stderr.WriteLineAsync($"coherence-mcp: bad settings: {ex.Message}").ConfigureAwait(false);
            return 2;
        }

        if (options.Validate() is { Count: > 0 } problems)
        {
            await stderr.WriteLineAsync("coherence-mcp: cannot start: " + string.Join("; ", problems) + ". See --help.").ConfigureAwait(false);
            return 2;
        }

        try
        {
            if (!options.Http)
            {
                await CoherenceMcpServer.RunStdioAsync(options, cancellationToken).ConfigureAwait(false);
                return 0;
            }

            var token = options.Token;
            if (token is null)
            {
                token = BearerTokenMiddleware.Generate();
                await stderr.WriteLineAsync($"coherence-mcp: no token configured; generated bearer token: {token}").ConfigureAwait(false);
            }

            await using var app = CoherenceMcpServer.BuildHttpApp(options, token);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            await stderr.WriteLineAsync($"coherence-mcp: serving {HttpEndpoint(app, options)} (root {options.Root}; managed {string.Join(", ", options.EffectiveManaged)})").ConfigureAwait(false);
            await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await stderr.WriteLineAsync($"coherence-mcp: stopped: {ex.GetType().Name}: {ex.Message}").ConfigureAwait(false);
            return 1;
        }
    }

    /// <summary>
    /// The settings in force: <c>./appsettings.json</c> (optional), then the <c>--config</c> file, then environment
    /// variables (<c>AGENTCOHERENCE__MCP__ROOT</c>, …), all under <c>AgentCoherence:Mcp</c>; then the command line.
    /// </summary>
    public static CoherenceMcpOptions LoadOptions(CommandLine line, string currentDirectory)
    {
        var builder = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(currentDirectory, "appsettings.json"), optional: true, reloadOnChange: false);
        if (line.ConfigFile is { } file)
        {
            var path = Path.GetFullPath(file, currentDirectory);
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"the --config file '{path}' does not exist", path);
            }

            builder.AddJsonFile(path, optional: false, reloadOnChange: false);
        }

        var configuration = builder.AddEnvironmentVariables().Build();
        var options = new CoherenceMcpOptions();
        configuration.GetSection(CoherenceMcpOptions.SectionName).Bind(options);
        line.ApplyTo(options);
        return options;
    }

    /// <summary>The URL the app listens on (the real port when 0 was asked for).</summary>
    public static string HttpEndpoint(WebApplication app, CoherenceMcpOptions options)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? $"http://127.0.0.1:{options.Port}";
        return address.TrimEnd('/') + options.Path;
    }
}

using System.Globalization;

namespace AgentCoherence.Mcp;

/// <summary>
/// The server's command line. Values given here override configuration; <c>--managed</c> given at least once
/// replaces the configured globs (configuration arrays would otherwise merge by index).
/// </summary>
internal sealed class CommandLine
{
    public const string Usage = """
        coherence-mcp — an MCP server for a CoherentVolume (AgentCoherence)

        usage: coherence-mcp --root <dir> [--managed <glob>]... [--http [--port <n>] [--token <t>]] [--mode observe]

          --root <dir>        the workspace directory to serve (must exist)
          --managed <glob>    a managed glob, relative to the root; repeat for several (default **/*)
          --http              serve streamable HTTP on 127.0.0.1 instead of stdio
          --port <n>          the HTTP port (default 7420; 0 picks a free one)
          --token <t>         the HTTP bearer token (prefer AGENTCOHERENCE__MCP__TOKEN; generated when unset)
          --max-agents <n>    how many agent names one server serves (default 64)
          --mode <m>          enforce (default): stale writes are refused; observe: they are written anyway
                              and logged as would-be refusals (warning 4002)
          --forget-on-exit    agents leave the store when the server stops (default: their views stay,
                              so the next server process for the same agent carries on)
          --config <file>     a JSON settings file (section AgentCoherence:Mcp) read after ./appsettings.json
          -h, --help          this text

        Environment: AGENTCOHERENCE__MCP__ROOT, AGENTCOHERENCE__MCP__MANAGED__0, AGENTCOHERENCE__MCP__HTTP,
        AGENTCOHERENCE__MCP__PORT, AGENTCOHERENCE__MCP__TOKEN, AGENTCOHERENCE__MCP__MAXAGENTS,
        AGENTCOHERENCE__MCP__KEEPVIEWS, AGENTCOHERENCE__MCP__MODE.
        On stdio, stdout carries the protocol only; logs go to stderr.
        """;

    public string? Root { get; private set; }

    public List<string> Managed { get; } = [];

    public bool? Http { get; private set; }

    public int? Port { get; private set; }

    public string? Token { get; private set; }

    public int? MaxAgents { get; private set; }

    public bool? KeepViews { get; private set; }

    public CoherenceMode? Mode { get; private set; }

    public string? ConfigFile { get; private set; }

    public bool ShowHelp { get; private set; }

    /// <summary>Parses <paramref name="args"/>; <paramref name="error"/> names the first bad argument.</summary>
    public static CommandLine Parse(IReadOnlyList<string> args, out string? error)
    {
        var line = new CommandLine();
        string? problem = null;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string? inline = null;
            if (arg.StartsWith("--", StringComparison.Ordinal) && arg.IndexOf('=', StringComparison.Ordinal) is var eq and > 2)
            {
                inline = arg[(eq + 1)..];
                arg = arg[..eq];
            }

            switch (arg)
            {
                case "-h" or "--help":
                    line.ShowHelp = true;
                    break;
                case "--http":
                    line.Http = inline is null || !bool.TryParse(inline, out var http) || http;
                    break;
                case "--root":
                    line.Root = Value(ref i);
                    break;
                case "--managed":
                    if (Value(ref i) is { } glob)
                    {
                        line.Managed.Add(glob);
                    }

                    break;
                case "--port":
                    line.Port = Number(Value(ref i));
                    break;
                case "--token":
                    line.Token = Value(ref i);
                    break;
                case "--mode":
                    line.Mode = Value(ref i) switch
                    {
                        null => null,
                        var text when text.Equals("enforce", StringComparison.OrdinalIgnoreCase) => CoherenceMode.Enforce,
                        var text when text.Equals("observe", StringComparison.OrdinalIgnoreCase) => CoherenceMode.Observe,
                        var text => Fail($"--mode needs enforce or observe (got '{text}')"),
                    };
                    break;
                case "--forget-on-exit":
                    line.KeepViews = false;
                    break;
                case "--max-agents":
                    line.MaxAgents = Number(Value(ref i));
                    break;
                case "--config":
                    line.ConfigFile = Value(ref i);
                    break;
                default:
                    problem ??= $"unknown argument '{args[i]}'";
                    break;
            }

            if (problem is not null)
            {
                break;
            }

            string? Value(ref int index)
            {
                if (inline is not null)
                {
                    return inline;
                }

                if (index + 1 < args.Count && !args[index + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    return args[++index];
                }

                problem ??= $"{arg} needs a value";
                return null;
            }

            CoherenceMode? Fail(string message)
            {
                problem ??= message;
                return null;
            }

            int? Number(string? text)
            {
                if (text is null)
                {
                    return null;
                }

                if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                {
                    return n;
                }

                problem ??= $"{arg} needs a whole number (got '{text}')";
                return null;
            }
        }

        error = problem;
        return line;
    }

    /// <summary>Applies the values given on the command line over <paramref name="options"/>.</summary>
    public void ApplyTo(CoherenceMcpOptions options)
    {
        options.Root = Root ?? options.Root;
        if (Managed.Count > 0)
        {
            options.Managed = [.. Managed];
        }

        options.Http = Http ?? options.Http;
        options.Port = Port ?? options.Port;
        options.Token = Token ?? options.Token;
        options.MaxAgents = MaxAgents ?? options.MaxAgents;
        options.KeepViews = KeepViews ?? options.KeepViews;
        options.Mode = Mode ?? options.Mode;
    }
}

namespace AgentCoherence.Mcp;

/// <summary>
/// Settings of the <c>coherence-mcp</c> server, bound from the <c>AgentCoherence:Mcp</c> configuration
/// section (appsettings.json, environment variables such as <c>AGENTCOHERENCE__MCP__ROOT</c>), then
/// overridden by command-line arguments.
/// </summary>
public sealed class CoherenceMcpOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "AgentCoherence:Mcp";

    /// <summary>The managed globs when none are configured: every file under the root.</summary>
    public static readonly IReadOnlyList<string> DefaultManaged = ["**/*"];

    /// <summary>The workspace directory served as a <see cref="Volume.CoherentVolume"/>; it must exist.</summary>
    public string? Root { get; set; }

    /// <summary>Globs of the files kept coherent (for example <c>plans/**</c>); <see cref="DefaultManaged"/> when empty.</summary>
    public IList<string> Managed { get; set; } = [];

    /// <summary>Serve streamable HTTP on loopback instead of stdio.</summary>
    public bool Http { get; set; }

    /// <summary>The loopback port of the HTTP transport; 0 picks a free one (printed on stderr at start).</summary>
    public int Port { get; set; } = DefaultPort;

    /// <summary>The default HTTP port.</summary>
    public const int DefaultPort = 7420;

    /// <summary>The URL path the HTTP transport is mapped to.</summary>
    public string Path { get; set; } = "/mcp";

    /// <summary>
    /// The bearer token HTTP clients must send (<c>Authorization: Bearer …</c>). When unset, a random token is
    /// generated at start and printed on stderr. Never used by stdio.
    /// </summary>
    public string? Token { get; set; }

    /// <summary>How many distinct agent names one server serves; each keeps its own view (a volume) until the server stops.</summary>
    public int MaxAgents { get; set; } = 64;

    /// <summary>
    /// True (the default): when the server stops, each agent's grants are released but its views stay in the
    /// store, so the next server process serving the same agent name carries on; hosts that start one server
    /// process per tool call (langchain-mcp-adapters without a session) rely on this. False
    /// (<c>--forget-on-exit</c>): agents leave the store when the server stops. See
    /// <see cref="CoherenceOptions.KeepViewsOnDispose"/>.
    /// </summary>
    public bool KeepViews { get; set; } = true;

    /// <summary>
    /// <see cref="CoherenceMode.Enforce"/> (the default) refuses stale writes with a tool error the model can act on;
    /// <see cref="CoherenceMode.Observe"/> (<c>--mode observe</c>) writes them anyway and logs each as a would-be
    /// refusal (Warning 4002 on stderr). See docs/observe.md.
    /// </summary>
    public CoherenceMode Mode { get; set; } = CoherenceMode.Enforce;

    /// <summary>The managed globs in force: <see cref="Managed"/>, or <see cref="DefaultManaged"/> when it is empty.</summary>
    public IReadOnlyList<string> EffectiveManaged => Managed.Count > 0 ? [.. Managed] : DefaultManaged;

    /// <summary>The problems that stop the server from starting, one sentence each naming the setting; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Root))
        {
            problems.Add("the root is not set: pass --root <dir> or set AgentCoherence:Mcp:Root (environment AGENTCOHERENCE__MCP__ROOT)");
        }
        else if (!Directory.Exists(Root))
        {
            problems.Add($"the root '{Root}' does not exist");
        }

        if (Managed.Any(string.IsNullOrWhiteSpace))
        {
            problems.Add("a managed glob is empty");
        }

        if (Port is < 0 or > 65535)
        {
            problems.Add($"AgentCoherence:Mcp:Port ({Port}) must be between 0 and 65535");
        }

        if (string.IsNullOrEmpty(Path) || Path[0] != '/')
        {
            problems.Add($"AgentCoherence:Mcp:Path ('{Path}') must start with '/'");
        }

        if (Token is { } token && (token.Length < 16 || token.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))))
        {
            problems.Add("the bearer token must be at least 16 characters with no whitespace or control characters");
        }

        if (!Enum.IsDefined(Mode))
        {
            problems.Add($"AgentCoherence:Mcp:Mode ('{Mode}') must be Enforce or Observe");
        }

        if (MaxAgents < 1)
        {
            problems.Add($"AgentCoherence:Mcp:MaxAgents ({MaxAgents}) must be at least 1");
        }

        return problems;
    }
}

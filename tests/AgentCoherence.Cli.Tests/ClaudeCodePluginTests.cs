using System.Text.Json;
using AgentCoherence.Cli.Hook;

namespace AgentCoherence.Cli.Tests;

/// <summary>The plugin's files under src/AgentCoherence.ClaudeCode agree with the CLI they run.</summary>
public sealed class ClaudeCodePluginTests
{
    private static readonly string Plugin = Path.Combine(RepositoryRoot(), "src", "AgentCoherence.ClaudeCode");

    [Fact]
    public void Hooks_run_the_cli_for_the_tools_it_handles_with_a_timeout_above_its_deadline()
    {
        using var hooks = JsonDocument.Parse(File.ReadAllText(Path.Combine(Plugin, "hooks", "hooks.json")));
        var byEvent = hooks.RootElement.GetProperty("hooks");
        var seen = new List<string>();
        foreach (var hookEvent in byEvent.EnumerateObject())
        {
            foreach (var group in hookEvent.Value.EnumerateArray())
            {
                var matcher = group.GetProperty("matcher").GetString()!;
                foreach (var hook in group.GetProperty("hooks").EnumerateArray())
                {
                    var command = hook.GetProperty("command").GetString()!.Split(' ');
                    Assert.Equal(["coherence", "hook"], command[..2]);
                    Assert.Equal(hookEvent.Name, ClaudeHook.EventNameOf(command[2]));
                    Assert.True(TimeSpan.FromSeconds(hook.GetProperty("timeout").GetInt32()) > HookSettings.DefaultDeadline * 2, "The hook timeout must leave the CLI's deadline room, or Claude Code cancels the hook first and the edit goes through.");
                    seen.Add($"{hookEvent.Name} {matcher}");
                }
            }
        }

        Assert.Equal(["PreToolUse Edit|Write|MultiEdit", "PostToolUse Read", "PostToolUse Edit|Write|MultiEdit"], seen);
    }

    [Fact]
    public void The_manifest_and_the_mcp_server_are_declared()
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(Plugin, ".claude-plugin", "plugin.json")));
        Assert.Equal("agent-coherence", manifest.RootElement.GetProperty("name").GetString());

        using var mcp = JsonDocument.Parse(File.ReadAllText(Path.Combine(Plugin, ".mcp.json")));
        var server = mcp.RootElement.GetProperty("mcpServers").GetProperty("coherence");
        Assert.Equal("coherence-mcp", server.GetProperty("command").GetString());
        var args = server.GetProperty("args").EnumerateArray().Select(a => a.GetString()).ToList();
        foreach (var glob in HookSettings.DefaultManaged)
        {
            Assert.Contains(glob, args);
        }
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "AgentCoherence.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (AgentCoherence.sln) was not found above " + AppContext.BaseDirectory);
    }
}

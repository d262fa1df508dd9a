using System.Reflection;

namespace AgentCoherence.Mcp.Tests;

/// <summary>Where the built server and the test's <c>dotnet</c> host are: how an MCP host launches <c>coherence-mcp</c> as a child process.</summary>
internal static class BuiltServer
{
    /// <summary>The server's assembly, run with <c>dotnet &lt;path&gt;</c>.</summary>
    public static string Assembly { get; } = Metadata("McpServerAssembly");

    /// <summary>The folder of the third-party (npm) MCP client scenario.</summary>
    public static string NodeClientDirectory { get; } = Metadata("NodeClientDirectory");

    /// <summary>The <c>dotnet</c> executable running the tests (so the child uses the same runtime).</summary>
    public static string DotnetHost
    {
        get
        {
            if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
            {
                return host;
            }

            return Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
        }
    }

    public static void AssertBuilt() => Assert.True(File.Exists(Assembly), $"The server is not built at {Assembly}.");

    private static string Metadata(string key) =>
        typeof(BuiltServer).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}

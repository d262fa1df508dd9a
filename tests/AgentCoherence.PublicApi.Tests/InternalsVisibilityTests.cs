using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace AgentCoherence.PublicApi.Tests;

/// <summary>
/// No shipped assembly sees another shipped assembly's internals: the volume, the MCP server, the CLI and the
/// transports are built on public APIs only, so what they need is API that every application gets too. Test
/// projects may see internals (<c>InternalsVisibleTo</c> a <c>*.Tests</c> assembly is fine).
/// </summary>
public sealed partial class InternalsVisibilityTests
{
    /// <summary>The two dotnet tools ship too; they have no API to list, but their attributes are checked here.</summary>
    private static readonly string[] Tools = ["AgentCoherence.Cli", "AgentCoherence.Mcp"];

    public static TheoryData<string> ShippedAssemblies() => new(ShippedLibraries.All.Select(a => a.GetName().Name!).Concat(Tools));

    [Theory]
    [MemberData(nameof(ShippedAssemblies))]
    public void No_shipped_assembly_grants_its_internals_to_a_shipped_assembly(string assemblyName)
    {
        var assembly = Assembly.Load(assemblyName);
        var granted = assembly.GetCustomAttributes<InternalsVisibleToAttribute>().Select(a => a.AssemblyName);

        var shipped = GrantedToShipped(granted, PackableProjects());

        Assert.True(shipped.Count == 0, $"{assemblyName} lets shipped assemblies see its internals: {string.Join(", ", shipped)}. Give them a public API instead.");
    }

    [Fact]
    public void Every_packable_project_is_checked()
    {
        // A new package must be added to ShippedLibraries (or Tools), or its attributes would go unchecked.
        var checkedHere = ShippedLibraries.All.Select(a => a.GetName().Name!).Concat(Tools).Order(StringComparer.Ordinal);

        Assert.Equal(PackableProjects().Order(StringComparer.Ordinal), checkedHere);
    }

    [Fact]
    public void A_grant_to_a_shipped_assembly_is_caught_with_or_without_a_public_key()
    {
        string[] shipped = ["AgentCoherence", "AgentCoherence.Volume"];

        var caught = GrantedToShipped(["AgentCoherence.Tests", "AgentCoherence.Volume, PublicKey=0024000004800000", " AgentCoherence "], shipped);

        Assert.Equal(["AgentCoherence.Volume", "AgentCoherence"], caught);
    }

    /// <summary>The granted names (as written in the attribute, possibly with a public key) that name a shipped assembly.</summary>
    private static List<string> GrantedToShipped(IEnumerable<string> granted, IReadOnlyCollection<string> shipped) =>
        granted.Select(name => name.Split(',')[0].Trim())
            .Where(name => shipped.Contains(name, StringComparer.OrdinalIgnoreCase))
            .ToList();

    /// <summary>The assembly names of every project under src/ and transports/ that packs (<c>IsPackable</c> true).</summary>
    private static List<string> PackableProjects() =>
        new[] { "src", "transports" }
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Path, folder), "*.csproj", SearchOption.AllDirectories))
            .Where(project => IsPackable().IsMatch(File.ReadAllText(project)))
            .Select(Path.GetFileNameWithoutExtension)
            .Select(name => name!)
            .ToList();

    [GeneratedRegex(@"<IsPackable>\s*true\s*</IsPackable>", RegexOptions.IgnoreCase)]
    private static partial Regex IsPackable();
}

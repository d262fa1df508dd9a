using System.Reflection;
using System.Text;
using PublicApiGenerator;

namespace AgentCoherence.PublicApi.Tests;

/// <summary>
/// The public surface of every shipped library is listed in <c>api/&lt;Assembly&gt;.txt</c>. A change to the surface fails
/// here until the listing is updated in the same commit, so every addition or removal is deliberate and visible in review.
/// To accept a deliberate change run <c>ACCEPT_API_CHANGES=1 dotnet test tests/AgentCoherence.PublicApi.Tests</c> and
/// commit the rewritten listing.
/// </summary>
public sealed class PublicApiTests
{
    public static TheoryData<string> Libraries() => new(ShippedLibraries.All.Select(a => a.GetName().Name!));

    [Theory]
    [MemberData(nameof(Libraries))]
    public void The_public_surface_matches_the_checked_in_listing(string assemblyName)
    {
        var assembly = ShippedLibraries.All.Single(a => a.GetName().Name == assemblyName);
        var actual = Normalise(Generate(assembly));
        var listing = Path.Combine(RepositoryRoot.Path, "api", assemblyName + ".txt");
        var received = Path.Combine(RepositoryRoot.Path, "api", assemblyName + ".received.txt");

        if (Environment.GetEnvironmentVariable("ACCEPT_API_CHANGES") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(listing)!);
            File.WriteAllText(listing, actual);
            File.Delete(received);
            return;
        }

        var expected = File.Exists(listing) ? Normalise(File.ReadAllText(listing)) : string.Empty;
        if (expected == actual)
        {
            File.Delete(received);
            return;
        }

        File.WriteAllText(received, actual);
        Assert.Fail(ApiDiff.Describe(assemblyName, listing, received, expected, actual));
    }

    [Fact]
    public void A_type_added_to_the_surface_is_reported_as_an_addition()
    {
        // The comparison above must notice a change: a listing missing one type of the real surface differs from it,
        // and the description names that type as added.
        var actual = Normalise(Generate(typeof(CoherenceClient).Assembly));
        var lines = actual.Split('\n').ToList();
        var index = lines.FindIndex(l => l.Contains("public sealed class CoherenceGrant", StringComparison.Ordinal));
        Assert.True(index >= 0, "the core's listing names CoherenceGrant");
        lines.RemoveAt(index);
        var withoutOne = string.Join('\n', lines);

        Assert.NotEqual(withoutOne, actual);
        var description = ApiDiff.Describe("AgentCoherence", "api/AgentCoherence.txt", "api/AgentCoherence.received.txt", withoutOne, actual);
        Assert.Contains("+ public sealed class CoherenceGrant", description, StringComparison.Ordinal);
    }

    internal static string Generate(Assembly assembly) => assembly.GeneratePublicApi(new ApiGeneratorOptions
    {
        IncludeAssemblyAttributes = false,
        // The generator skips Microsoft.* namespaces by default; the Add…/Use… extensions live in this one.
        AllowNamespacePrefixes = ["Microsoft.Extensions.DependencyInjection"],
        // Compiler-generated state machine names change whenever a type gains a member; they are not surface.
        ExcludeAttributes =
        [
            "System.Runtime.CompilerServices.AsyncIteratorStateMachineAttribute",
            "System.Runtime.CompilerServices.AsyncStateMachineAttribute",
            "System.Runtime.CompilerServices.IteratorStateMachineAttribute",
        ],
    });

    private static string Normalise(string text)
    {
        var builder = new StringBuilder();
        foreach (var line in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            builder.Append(line.TrimEnd()).Append('\n');
        }

        return builder.ToString().TrimEnd('\n') + "\n";
    }
}

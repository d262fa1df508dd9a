using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace AgentCoherence.Tests.Docs;

/// <summary>
/// Compiles a documentation example on its own, against the .NET runtime and every assembly this test
/// project carries (the library's packages and what they depend on, xUnit and the fake clock included):
/// as a program when it has top-level statements, as a library when it holds only types (a test class).
/// The usings a new console project gets implicitly are in scope; everything else the example must say.
/// </summary>
internal static class ExampleCompiler
{
    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly Lazy<IReadOnlyList<MetadataReference>> References = new(LoadReferences);

    /// <summary>The errors compiling <paramref name="code"/> gives, as "page:line: CS0000 message"; empty when it compiles.</summary>
    public static IReadOnlyList<string> Errors(string code, string page, int firstLine)
    {
        var tree = CSharpSyntaxTree.ParseText(code, ParseOptions, path: page);
        var usings = CSharpSyntaxTree.ParseText(ImplicitUsings, ParseOptions, path: "implicit-usings.cs");
        // Statements make a program; an example of only types (a test class, say) is a library.
        var kind = tree.GetCompilationUnitRoot().Members.OfType<Microsoft.CodeAnalysis.CSharp.Syntax.GlobalStatementSyntax>().Any()
            ? OutputKind.ConsoleApplication
            : OutputKind.DynamicallyLinkedLibrary;
        var compilation = CSharpCompilation.Create(
            "DocExample",
            [usings, tree],
            References.Value,
            new CSharpCompilationOptions(kind, nullableContextOptions: NullableContextOptions.Enable));
        return Describe(compilation.GetDiagnostics(), page, firstLine);
    }

    /// <summary>The syntax errors in <paramref name="code"/>: what a fragment is checked for.</summary>
    public static IReadOnlyList<string> SyntaxErrors(string code, string page, int firstLine) =>
        Describe(CSharpSyntaxTree.ParseText(code, ParseOptions, path: page).GetDiagnostics(), page, firstLine);

    private static List<string> Describe(IEnumerable<Diagnostic> diagnostics, string page, int firstLine) =>
        [.. diagnostics
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .Select(d => $"{page}:{firstLine + d.Location.GetLineSpan().StartLinePosition.Line}: {d.Id} {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}")];

    // The runtime's assemblies, then the ones next to the tests (packages and projects), one per name:
    // where both have an assembly, the test output's (the version the packages asked for) wins. The tests'
    // own assemblies are left out, so an example cannot lean on a test helper.
    private static List<MetadataReference> LoadReferences()
    {
        string[] testsOnly = ["AgentCoherence.Tests", "AgentCoherence.TestUtilities"];
        var byName = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var runtime = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        foreach (var directory in new[] { runtime, AppContext.BaseDirectory })
        {
            foreach (var file in Directory.EnumerateFiles(directory, "*.dll"))
            {
                if (IsManaged(file) && !testsOnly.Contains(Path.GetFileNameWithoutExtension(file), StringComparer.OrdinalIgnoreCase))
                {
                    byName[Path.GetFileNameWithoutExtension(file)] = file;
                }
            }
        }

        return [.. byName.Values.Order(StringComparer.Ordinal).Select(f => MetadataReference.CreateFromFile(f))];
    }

    private static bool IsManaged(string file)
    {
        try
        {
            _ = AssemblyName.GetAssemblyName(file);
            return true;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }
}

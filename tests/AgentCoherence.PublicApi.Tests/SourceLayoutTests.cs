using System.Text.RegularExpressions;

namespace AgentCoherence.PublicApi.Tests;

/// <summary>
/// The shipped code's layout rules, checked on the sources: one public type per file, named after it, and a namespace
/// that matches the folder (the DI <c>Add…</c>/<c>Use…</c> extension classes sit in
/// <c>Microsoft.Extensions.DependencyInjection</c>, the Microsoft.Extensions convention).
/// </summary>
public sealed partial class SourceLayoutTests
{
    private const string DependencyInjection = "Microsoft.Extensions.DependencyInjection";

    public static TheoryData<string> ShippedSourceFolders() => new("src", "transports");

    [Theory]
    [MemberData(nameof(ShippedSourceFolders))]
    public void Every_file_declares_at_most_one_public_type_named_after_the_file(string folder)
    {
        var problems = SourceFiles(folder)
            .SelectMany(file => LayoutRules.OnePublicTypePerFile(file.RelativePath, File.ReadAllText(file.FullPath)))
            .ToList();

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Theory]
    [MemberData(nameof(ShippedSourceFolders))]
    public void Every_namespace_matches_its_folder(string folder)
    {
        var problems = SourceFiles(folder)
            .SelectMany(file => LayoutRules.NamespaceMatchesFolder(file.ProjectName, file.PathInProject, File.ReadAllText(file.FullPath)))
            .ToList();

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void The_rules_catch_a_second_public_type_a_misnamed_file_and_a_wrong_namespace()
    {
        const string Two = "namespace AgentCoherence;\n\n/// <summary>A.</summary>\npublic sealed class A\n{\n    public sealed class Nested { }\n}\n\npublic enum B { X }\n";
        Assert.Single(LayoutRules.OnePublicTypePerFile("src/AgentCoherence/A.cs", Two));
        Assert.Single(LayoutRules.OnePublicTypePerFile("src/AgentCoherence/C.cs", "namespace AgentCoherence;\npublic readonly record struct A(int X);\n"));
        Assert.Empty(LayoutRules.OnePublicTypePerFile("src/AgentCoherence/A.cs", "namespace AgentCoherence;\npublic static class A { }\ninternal sealed class B { }\n"));

        Assert.Single(LayoutRules.NamespaceMatchesFolder("AgentCoherence", "Protocol/DirectoryState.cs", "namespace AgentCoherence;\npublic sealed class DirectoryState { }\n"));
        Assert.Empty(LayoutRules.NamespaceMatchesFolder("AgentCoherence", "Protocol/DirectoryState.cs", "namespace AgentCoherence.Protocol;\npublic sealed class DirectoryState { }\n"));
        Assert.Empty(LayoutRules.NamespaceMatchesFolder("AgentCoherence.Redis", "RedisExtensions.cs", $"namespace {DependencyInjection};\npublic static class RedisExtensions {{ }}\n"));
        Assert.Single(LayoutRules.NamespaceMatchesFolder("AgentCoherence.Redis", "RedisStore.cs", $"namespace {DependencyInjection};\npublic sealed class RedisStore {{ }}\n"));
    }

    private static IEnumerable<SourceFile> SourceFiles(string folder)
    {
        var top = Path.Combine(RepositoryRoot.Path, folder);
        foreach (var project in Directory.EnumerateFiles(top, "*.csproj", SearchOption.AllDirectories))
        {
            var projectDir = Path.GetDirectoryName(project)!;
            var projectName = Path.GetFileNameWithoutExtension(project);
            foreach (var file in Directory.EnumerateFiles(projectDir, "*.cs", SearchOption.AllDirectories))
            {
                var inProject = Path.GetRelativePath(projectDir, file).Replace('\\', '/');
                if (inProject.StartsWith("obj/", StringComparison.Ordinal) || inProject.StartsWith("bin/", StringComparison.Ordinal))
                {
                    continue;
                }

                yield return new SourceFile(file, Path.GetRelativePath(RepositoryRoot.Path, file).Replace('\\', '/'), projectName, inProject);
            }
        }
    }

    private sealed record SourceFile(string FullPath, string RelativePath, string ProjectName, string PathInProject);

    /// <summary>The rules themselves, on text, so a test can show they catch a violation.</summary>
    internal static partial class LayoutRules
    {
        public static IEnumerable<string> OnePublicTypePerFile(string path, string source)
        {
            var types = TopLevelPublicType().Matches(source).Select(m => m.Groups["name"].Value).ToList();
            if (types.Count > 1)
            {
                yield return $"{path}: declares {types.Count} public types ({string.Join(", ", types)}); give each its own file.";
            }
            else if (types.Count == 1 && !string.Equals(types[0], Path.GetFileNameWithoutExtension(path), StringComparison.Ordinal))
            {
                yield return $"{path}: declares public type {types[0]}; name the file {types[0]}.cs.";
            }
        }

        public static IEnumerable<string> NamespaceMatchesFolder(string projectName, string pathInProject, string source)
        {
            var match = FileScopedNamespace().Match(source);
            if (!match.Success)
            {
                yield break; // top-level statements (Program.cs)
            }

            var folder = Path.GetDirectoryName(pathInProject)!.Replace('\\', '/');
            var expected = folder.Length == 0 ? projectName : projectName + "." + folder.Replace('/', '.');
            var actual = match.Groups["ns"].Value;
            if (actual == expected)
            {
                yield break;
            }

            var isDiExtensions = actual == DependencyInjection
                && TopLevelPublicType().Matches(source).All(m => m.Value.Contains(" static class ", StringComparison.Ordinal) && m.Groups["name"].Value.EndsWith("Extensions", StringComparison.Ordinal));
            if (!isDiExtensions)
            {
                yield return $"{projectName}/{pathInProject}: namespace {actual}, but its folder says {expected}.";
            }
        }

        [GeneratedRegex(@"^public\s+(?:(?:sealed|static|abstract|readonly|partial|record|unsafe|ref)\s+)*(?:class|record|struct|interface|enum|delegate\s+[\w<>\[\]?,\s]+?)\s+(?<name>\w+)", RegexOptions.Multiline)]
        private static partial Regex TopLevelPublicType();

        [GeneratedRegex(@"^namespace\s+(?<ns>[\w.]+)\s*;", RegexOptions.Multiline)]
        private static partial Regex FileScopedNamespace();
    }
}

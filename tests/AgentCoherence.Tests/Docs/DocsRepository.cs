namespace AgentCoherence.Tests.Docs;

/// <summary>The repository's documentation pages (README.md and docs/**/*.md) and the checks run on their links.</summary>
internal static class DocsRepository
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    /// <summary>The repository root: the nearest directory above the test's output that holds AgentCoherence.sln.</summary>
    public static string Root => LazyRoot.Value;

    /// <summary>The pages checked, relative to the root with '/' separators.</summary>
    public static IReadOnlyList<string> Pages()
    {
        var pages = new List<string> { "README.md" };
        var docs = Path.Combine(Root, "docs");
        if (Directory.Exists(docs))
        {
            pages.AddRange(Directory.EnumerateFiles(docs, "*.md", SearchOption.AllDirectories)
                .Select(p => Path.GetRelativePath(Root, p).Replace('\\', '/'))
                .Order(StringComparer.Ordinal));
        }

        return pages;
    }

    /// <summary>The README.md packed into each package (next to a project under src/ or transports/), relative to the root.</summary>
    public static IReadOnlyList<string> PackageReadmes() =>
        new[] { "src", "transports" }
            .Select(folder => Path.Combine(Root, folder))
            .Where(Directory.Exists)
            .SelectMany(folder => Directory.EnumerateDirectories(folder))
            .Where(project => Directory.EnumerateFiles(project, "*.csproj").Any() && File.Exists(Path.Combine(project, "README.md")))
            .Select(project => Path.GetRelativePath(Root, Path.Combine(project, "README.md")).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();

    public static MarkdownDocument Load(string page) =>
        MarkdownDocument.Parse(page, File.ReadAllText(Path.Combine(Root, page)));

    /// <summary>
    /// The links of <paramref name="document"/> (at <paramref name="page"/>, relative to <paramref name="root"/>) that do
    /// not resolve inside the repository, one message each. Links with a scheme (https:, mailto:) are not checked.
    /// </summary>
    public static IReadOnlyList<string> BrokenLinks(MarkdownDocument document, string root, string page, Func<string, MarkdownDocument?> loadPage)
    {
        var problems = new List<string>();
        var fullRoot = Path.GetFullPath(root);
        var directory = Path.GetDirectoryName(Path.Combine(fullRoot, page))!;
        foreach (var link in document.Links)
        {
            if (HasScheme(link.Target))
            {
                continue;
            }

            var hash = link.Target.IndexOf('#', StringComparison.Ordinal);
            var pathPart = Uri.UnescapeDataString(hash < 0 ? link.Target : link.Target[..hash]);
            var anchor = hash < 0 ? null : Uri.UnescapeDataString(link.Target[(hash + 1)..]);
            var where = $"{page}:{link.Line}: ({link.Target})";

            string targetPage;
            if (pathPart.Length == 0)
            {
                targetPage = page;
            }
            else
            {
                var full = Path.GetFullPath(pathPart.StartsWith('/') ? Path.Combine(fullRoot, pathPart.TrimStart('/')) : Path.Combine(directory, pathPart));
                if (!full.StartsWith(fullRoot + Path.DirectorySeparatorChar, StringComparison.Ordinal) && full != fullRoot)
                {
                    problems.Add($"{where} points outside the repository");
                    continue;
                }

                if (!File.Exists(full) && !Directory.Exists(full))
                {
                    problems.Add($"{where} names {Path.GetRelativePath(fullRoot, full).Replace('\\', '/')}, which does not exist");
                    continue;
                }

                targetPage = Path.GetRelativePath(fullRoot, full).Replace('\\', '/');
            }

            if (string.IsNullOrEmpty(anchor))
            {
                continue;
            }

            if (!targetPage.EndsWith(".md", StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"{where} has an anchor, but {targetPage} is not a Markdown page");
                continue;
            }

            var target = targetPage == page ? document : loadPage(targetPage);
            if (target is null || !target.Anchors.Contains(anchor))
            {
                problems.Add($"{where}: {targetPage} has no heading with the anchor #{anchor}");
            }
        }

        return problems;
    }

    private static bool HasScheme(string target)
    {
        var colon = target.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && target[..colon].All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.') && char.IsAsciiLetter(target[0]);
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "AgentCoherence.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No AgentCoherence.sln above {AppContext.BaseDirectory}: the documentation tests run inside the repository.");
    }
}

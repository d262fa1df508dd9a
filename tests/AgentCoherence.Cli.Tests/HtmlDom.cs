using System.Text.RegularExpressions;

namespace AgentCoherence.Cli.Tests;

/// <summary>What the HTML report tests read from a DOM that headless Chromium dumped, and where they keep their artifacts.</summary>
internal static partial class HtmlDom
{
    /// <summary>The ids of the page's <c>&lt;section&gt;</c> elements, in document order.</summary>
    public static List<string> SectionIds(string dom) => SectionId().Matches(dom).Select(m => m.Groups[1].Value).ToList();

    /// <summary>The markup of one section (fails the test when it is missing).</summary>
    public static string Section(string dom, string id)
    {
        var start = dom.IndexOf($"<section id=\"{id}\">", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no section {id}");
        var end = dom.IndexOf("</section>", start, StringComparison.Ordinal);
        return dom[start..end];
    }

    /// <summary>How many times <paramref name="part"/> occurs in <paramref name="text"/>.</summary>
    public static int Count(string text, string part) => Regex.Matches(text, Regex.Escape(part)).Count;

    /// <summary>A real image of the page: the PNG signature, and larger than an empty page would be.</summary>
    public static async Task AssertScreenshotAsync(string png)
    {
        var bytes = await File.ReadAllBytesAsync(png);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, bytes[..4]);
        Assert.True(bytes.Length > 20_000, $"the screenshot is {bytes.Length} bytes");
    }

    /// <summary>The git-ignored <c>artifacts/&lt;name&gt;</c> directory at the repository root, where the report tests keep what they made.</summary>
    public static string ArtifactsDirectory(string name)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "AgentCoherence.sln")))
            {
                return Path.Combine(directory.FullName, "artifacts", name);
            }
        }

        throw new InvalidOperationException("The repository root (AgentCoherence.sln) was not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex("<section id=\"([^\"]+)\">")]
    private static partial Regex SectionId();
}

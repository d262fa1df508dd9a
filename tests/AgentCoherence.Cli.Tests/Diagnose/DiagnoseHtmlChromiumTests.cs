using System.Text.RegularExpressions;
using AgentCoherence.Testing;
using AgentCoherence.Testing.Servers;

namespace AgentCoherence.Cli.Tests.Diagnose;

/// <summary>
/// The HTML report opened in headless Chromium: the loaded DOM has every section and its charts, and a screenshot is
/// kept as a test artifact in <c>artifacts/diagnose/</c> at the repository root (git-ignored): <c>fleet.jsonl</c> (the
/// scripted recording), <c>report.html</c> and <c>report.png</c>.
/// </summary>
public sealed partial class DiagnoseHtmlChromiumTests
{
    [SkippableFact]
    public async Task The_report_opens_in_headless_chromium_with_every_section_and_chart_and_a_screenshot_is_saved()
    {
        ServerSkip.SkipIfUnavailable(HeadlessChromium.UnavailableReason);
        var artifacts = Path.Combine(RepositoryRoot(), "artifacts", "diagnose");
        Directory.CreateDirectory(artifacts);
        var recording = DiagnoseCommandTests.Dirty().WriteTo(Path.Combine(artifacts, "fleet.jsonl"));
        var html = Path.Combine(artifacts, "report.html");
        var png = Path.Combine(artifacts, "report.png");

        var (exit, _, errors) = await StatusCommandTests.Run(null, "diagnose", recording, "--html", html);
        Assert.Equal(0, exit);
        Assert.Equal(string.Empty, errors);

        var dom = await HeadlessChromium.DumpDomAsync(html);
        await HeadlessChromium.ScreenshotAsync(html, png, 1280, 2000);

        Assert.Contains("<title>coherence diagnose — fleet.jsonl</title>", dom, StringComparison.Ordinal);
        var sections = SectionId().Matches(dom).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(["summary", "divergent-reads", "silent-overwrites", "would-be-refusals", "hot-artifacts", "tokens", "timelines", "staleness"], sections);
        Assert.Equal(2, Count(Section(dom, "timelines"), "<svg")); // one per artifact
        Assert.Equal(1, Count(Section(dom, "staleness"), "<svg"));
        Assert.Contains("timeline of plans/plan.md", dom, StringComparison.Ordinal);
        // The charts were drawn: paths and the legend text survive the browser's parse.
        Assert.True(Count(Section(dom, "timelines"), "<path") > 10);
        Assert.Contains("override (observe)", Section(dom, "timelines"), StringComparison.Ordinal);
        Assert.Contains("reviewer, coder", Section(dom, "silent-overwrites"), StringComparison.Ordinal);
        // A real image of the page: PNG signature, and larger than an empty page would be.
        var bytes = await File.ReadAllBytesAsync(png);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, bytes[..4]);
        Assert.True(bytes.Length > 20_000, $"the screenshot is {bytes.Length} bytes");
    }

    private static string Section(string dom, string id)
    {
        var start = dom.IndexOf($"<section id=\"{id}\">", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no section {id}");
        var end = dom.IndexOf("</section>", start, StringComparison.Ordinal);
        return dom[start..end];
    }

    private static int Count(string text, string part) => Regex.Matches(text, Regex.Escape(part)).Count;

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

    [GeneratedRegex("<section id=\"([^\"]+)\">")]
    private static partial Regex SectionId();
}

using AgentCoherence.Testing;
using AgentCoherence.Testing.Servers;

namespace AgentCoherence.Cli.Tests.Diagnose;

/// <summary>
/// The HTML report opened in headless Chromium: the loaded DOM has every section and its charts, and a screenshot is
/// kept as a test artifact in <c>artifacts/diagnose/</c> at the repository root (git-ignored): <c>fleet.jsonl</c> (the
/// scripted recording), <c>report.html</c> and <c>report.png</c>.
/// </summary>
public sealed class DiagnoseHtmlChromiumTests
{
    [SkippableFact]
    public async Task The_report_opens_in_headless_chromium_with_every_section_and_chart_and_a_screenshot_is_saved()
    {
        ServerSkip.SkipIfUnavailable(HeadlessChromium.UnavailableReason);
        var artifacts = HtmlDom.ArtifactsDirectory("diagnose");
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
        var sections = HtmlDom.SectionIds(dom);
        Assert.Equal(["summary", "divergent-reads", "silent-overwrites", "would-be-refusals", "hot-artifacts", "tokens", "timelines", "staleness"], sections);
        Assert.Equal(2, HtmlDom.Count(HtmlDom.Section(dom, "timelines"), "<svg")); // one per artifact
        Assert.Equal(1, HtmlDom.Count(HtmlDom.Section(dom, "staleness"), "<svg"));
        Assert.Contains("timeline of plans/plan.md", dom, StringComparison.Ordinal);
        // The charts were drawn: paths and the legend text survive the browser's parse.
        Assert.True(HtmlDom.Count(HtmlDom.Section(dom, "timelines"), "<path") > 10);
        Assert.Contains("override (observe)", HtmlDom.Section(dom, "timelines"), StringComparison.Ordinal);
        Assert.Contains("reviewer, coder", HtmlDom.Section(dom, "silent-overwrites"), StringComparison.Ordinal);
        await HtmlDom.AssertScreenshotAsync(png);
    }
}

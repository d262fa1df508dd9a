using AgentCoherence.Cli.Simulate;
using AgentCoherence.Testing;
using AgentCoherence.Testing.Servers;

namespace AgentCoherence.Cli.Tests;

/// <summary>
/// The simulation page opened in headless Chromium: the loaded DOM has every section, one chart per sweep and the
/// paper's, the tables and the configuration. The report directory and a screenshot (<c>screenshot.png</c>) are kept
/// as test artifacts in <c>artifacts/simulate/</c> at the repository root (git-ignored), beside diagnose's.
/// </summary>
public sealed class SimulateHtmlChromiumTests
{
    private static readonly string[] Sweeps = ["volatility", "agents", "artifact-size", "signal-loss"];

    [SkippableFact]
    public async Task The_page_opens_in_headless_chromium_with_every_section_one_chart_per_sweep_and_a_screenshot_is_saved()
    {
        ServerSkip.SkipIfUnavailable(HeadlessChromium.UnavailableReason);
        var artifacts = HtmlDom.ArtifactsDirectory("simulate");
        if (Directory.Exists(artifacts))
        {
            Directory.Delete(artifacts, recursive: true);
        }

        var (exit, _, errors) = await StatusCommandTests.Run(null, "simulate", "sweep", "all", "--seeds", "2", "--out", artifacts);
        Assert.Equal(0, exit);
        Assert.Equal(string.Empty, errors);
        var html = Path.Combine(artifacts, SimulationReport.PageFile);
        var png = Path.Combine(artifacts, "screenshot.png");

        var dom = await HeadlessChromium.DumpDomAsync(html);
        await HeadlessChromium.ScreenshotAsync(html, png, 1280, 2400);

        Assert.Contains("<title>coherence simulate — savings, strategies and the lower bound</title>", dom, StringComparison.Ordinal);
        var sections = HtmlDom.SectionIds(dom);
        Assert.Equal(["reading", "paper", "sweep-volatility", "sweep-agents", "sweep-artifact-size", "sweep-signal-loss", "configuration"], sections);
        Assert.Equal(SimulationReport.SectionIds(Sweeps), sections);
        Assert.Equal(5, HtmlDom.Count(dom, "<svg"));
        Assert.Equal(1, HtmlDom.Count(HtmlDom.Section(dom, "paper"), "<svg"));
        foreach (var sweep in Sweeps)
        {
            var section = HtmlDom.Section(dom, "sweep-" + sweep);
            Assert.Equal(1, HtmlDom.Count(section, "<svg"));
            // The chart was drawn (paths survive the browser's parse) and names every curve and the bound.
            Assert.True(HtmlDom.Count(section, "<path") > 10, $"{sweep}: {HtmlDom.Count(section, "<path")} paths");
            Assert.Contains("AccessCount", section, StringComparison.Ordinal);
            Assert.Contains(SimulationPlots.BoundLegend, section, StringComparison.Ordinal);
            // The table: a header and the 5 strategies at each swept value (5 volatilities, 4 values elsewhere).
            Assert.Equal(1 + (5 * (sweep == "volatility" ? 5 : 4)), HtmlDom.Count(section, "<tr>"));
        }

        Assert.Contains("95.0 % ± 1.3", HtmlDom.Section(dom, "paper"), StringComparison.Ordinal);
        Assert.Contains("~81.0 %", HtmlDom.Section(dom, "paper"), StringComparison.Ordinal);
        Assert.Contains("coherence simulate sweep all --seeds 2 --out DIR", HtmlDom.Section(dom, "configuration"), StringComparison.Ordinal);
        Assert.Contains("seeds 1 to 2", HtmlDom.Section(dom, "configuration"), StringComparison.Ordinal);
        // Self-contained: nothing is loaded from anywhere else.
        Assert.DoesNotMatch("(src|href)=\"(https?:|//)", dom);
        await HtmlDom.AssertScreenshotAsync(png);
    }
}

using System.Text.RegularExpressions;
using ScottPlot;

namespace AgentCoherence.Cli.Reports;

/// <summary>
/// A ScottPlot plot as an <c>&lt;svg&gt;</c> element to paste into an <see cref="HtmlPage"/>: no XML declaration,
/// and its element ids (clip paths) prefixed so several charts on one page do not share ids.
/// </summary>
internal static partial class SvgChart
{
    private static int s_counter;

    /// <summary>The font the charts name; the page falls back to any sans-serif font where it is missing.</summary>
    public const string FontName = "DejaVu Sans";

    /// <summary>A plot with the report's look: sans-serif text, a white background.</summary>
    public static Plot NewPlot()
    {
        var plot = new Plot();
        plot.Font.Set(FontName);
        return plot;
    }

    /// <summary>Renders <paramref name="plot"/> to inline SVG markup of the given size in pixels.</summary>
    public static string ToInlineSvg(Plot plot, int width, int height, string? label = null)
    {
        ArgumentNullException.ThrowIfNull(plot);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        var svg = plot.GetSvgXml(width, height);
        var start = svg.IndexOf("<svg", StringComparison.Ordinal);
        if (start > 0)
        {
            svg = svg[start..];
        }

        var prefix = $"c{Interlocked.Increment(ref s_counter)}_";
        svg = IdAttribute().Replace(svg, m => $"id=\"{prefix}{m.Groups[1].Value}\"");
        svg = LocalReference().Replace(svg, m => $"{m.Groups[1].Value}#{prefix}{m.Groups[2].Value}");
        // Scale with the page: keep the drawing's coordinates as the view box.
        svg = svg.Replace(
            $"width=\"{width}\" height=\"{height}\"",
            $"width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\"" + (label is null ? string.Empty : $" aria-label=\"{HtmlPage.Encode(label)}\""),
            StringComparison.Ordinal);
        return svg.Trim();
    }

    [GeneratedRegex("id=\"([^\"]+)\"")]
    private static partial Regex IdAttribute();

    [GeneratedRegex("(url\\(|href=\")#([^\"\\)]+)")]
    private static partial Regex LocalReference();
}

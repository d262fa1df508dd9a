using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace AgentCoherence.Cli.Reports;

/// <summary>
/// Builds one self-contained HTML page: styles inline, no scripts, fonts, images or links to anything outside the
/// file, so it opens offline and can be mailed or attached as is. Every text given to it is HTML-encoded, except
/// what <see cref="AddRaw"/> takes (already-built markup such as <see cref="SvgChart"/> output).
/// </summary>
internal sealed partial class HtmlPage
{
    private const string Style = """
        :root { color-scheme: light; }
        body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; margin: 0 auto; max-width: 1200px; padding: 24px; color: #1d232a; background: #fff; }
        h1 { font-size: 24px; margin: 0 0 4px; }
        h2 { font-size: 18px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 1px solid #d8dee4; }
        h3 { font-size: 15px; margin: 18px 0 6px; }
        p.lead { color: #57606a; margin: 0 0 16px; }
        p.note { color: #57606a; font-size: 13px; }
        table { border-collapse: collapse; margin: 8px 0 12px; font-size: 13px; }
        th, td { border: 1px solid #d8dee4; padding: 4px 8px; text-align: left; vertical-align: top; }
        th { background: #f6f8fa; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        .bad { color: #b42318; font-weight: 600; }
        .good { color: #1a7f37; font-weight: 600; }
        .warn { color: #9a6700; font-weight: 600; }
        code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; }
        figure { margin: 8px 0 20px; }
        figure svg { max-width: 100%; height: auto; border: 1px solid #eaeef2; }
        figcaption { color: #57606a; font-size: 12px; }
        nav a { margin-right: 12px; }
        """;

    private readonly StringBuilder _body = new();
    private readonly List<(string Id, string Title)> _sections = [];
    private readonly string _title;
    private readonly string? _lead;
    private bool _inSection;

    public HtmlPage(string title, string? lead = null)
    {
        ArgumentNullException.ThrowIfNull(title);
        _title = title;
        _lead = lead;
    }

    /// <summary>HTML-encodes a text (element content and attribute values alike).</summary>
    public static string Encode(string? text) => WebUtility.HtmlEncode(text ?? string.Empty);

    /// <summary>Starts a section with a stable id (the page's table of contents links to it).</summary>
    public HtmlPage Section(string id, string title)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        CloseSection();
        _sections.Add((id, title));
        _body.Append("<section id=\"").Append(Encode(id)).Append("\">\n<h2>").Append(Encode(title)).Append("</h2>\n");
        _inSection = true;
        return this;
    }

    public HtmlPage Heading(string text)
    {
        _body.Append("<h3>").Append(Encode(text)).Append("</h3>\n");
        return this;
    }

    public HtmlPage Paragraph(string text, string? cssClass = null)
    {
        _body.Append(cssClass is null ? "<p>" : $"<p class=\"{Encode(cssClass)}\">").Append(Encode(text)).Append("</p>\n");
        return this;
    }

    /// <summary>A table; every header and cell is encoded. A cell that is a number (or a version such as <c>v12</c>, a duration in s or ms, a percentage) is right-aligned.</summary>
    public HtmlPage Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows, int? total = null)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(rows);
        _body.Append("<table>\n<thead><tr>");
        foreach (var h in headers)
        {
            _body.Append("<th>").Append(Encode(h)).Append("</th>");
        }

        _body.Append("</tr></thead>\n<tbody>\n");
        var count = 0;
        foreach (var row in rows)
        {
            count++;
            _body.Append("<tr>");
            foreach (var cell in row)
            {
                _body.Append(IsNumber(cell) ? "<td class=\"num\">" : "<td>").Append(Encode(cell)).Append("</td>");
            }

            _body.Append("</tr>\n");
        }

        _body.Append("</tbody>\n</table>\n");
        if (total is { } t && t > count)
        {
            Paragraph($"… {t - count} more rows not shown (coherence diagnose --json lists every one).", "note");
        }

        return this;
    }

    /// <summary>A figure: markup the caller built (an inline SVG), with an encoded caption.</summary>
    public HtmlPage Figure(string svg, string caption)
    {
        ArgumentNullException.ThrowIfNull(svg);
        _body.Append("<figure>\n").Append(svg).Append("\n<figcaption>").Append(Encode(caption)).Append("</figcaption>\n</figure>\n");
        return this;
    }

    /// <summary>Markup taken as is: only for markup this program built, never for text from input.</summary>
    public HtmlPage AddRaw(string html)
    {
        _body.Append(html);
        return this;
    }

    public string Build()
    {
        CloseSection();
        var page = new StringBuilder();
        page.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>").Append(Encode(_title)).Append("</title>\n<style>\n").Append(Style).Append("\n</style>\n</head>\n<body>\n")
            .Append("<h1>").Append(Encode(_title)).Append("</h1>\n");
        if (_lead is not null)
        {
            page.Append("<p class=\"lead\">").Append(Encode(_lead)).Append("</p>\n");
        }

        page.Append("<nav>");
        foreach (var (id, title) in _sections)
        {
            page.Append("<a href=\"#").Append(Encode(id)).Append("\">").Append(Encode(title)).Append("</a>");
        }

        page.Append("</nav>\n").Append(_body).Append("</body>\n</html>\n");
        return page.ToString();
    }

    private void CloseSection()
    {
        if (_inSection)
        {
            _body.Append("</section>\n");
            _inSection = false;
        }
    }

    private static bool IsNumber(string cell) => NumberCell().IsMatch(cell);

    [GeneratedRegex(@"^[+\-]?v?\d[\d,.]*( ?(s|ms|%))?$")]
    private static partial Regex NumberCell();
}

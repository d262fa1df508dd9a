using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace AgentCoherence.Tests.Docs;

/// <summary>
/// The parts of a Markdown page the documentation tests check: its links (outside code), the anchors its
/// headings get on GitHub, and its fenced code blocks. A small reader, not a full CommonMark parser: it
/// understands what the repository's pages use (ATX headings, inline links and images, reference
/// definitions, <c>href="…"</c>, fenced blocks) and nothing more.
/// </summary>
internal sealed partial class MarkdownDocument
{
    /// <summary>The HTML comment that, on the line right before a fence, marks a C# block as a fragment (parsed, not compiled).</summary>
    public const string FragmentMarker = "<!-- fragment -->";

    private MarkdownDocument(string name, IReadOnlyList<MarkdownLink> links, IReadOnlySet<string> anchors, IReadOnlyList<CodeBlock> blocks)
    {
        Name = name;
        Links = links;
        Anchors = anchors;
        Blocks = blocks;
    }

    /// <summary>The page's name in messages (its path relative to the repository root).</summary>
    public string Name { get; }

    /// <summary>Every link target outside code, with its line.</summary>
    public IReadOnlyList<MarkdownLink> Links { get; }

    /// <summary>The anchors GitHub gives the page's headings (<c>#some-heading</c> without the <c>#</c>).</summary>
    public IReadOnlySet<string> Anchors { get; }

    /// <summary>Every fenced code block.</summary>
    public IReadOnlyList<CodeBlock> Blocks { get; }

    public static MarkdownDocument Parse(string name, string text)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var links = new List<MarkdownLink>();
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var slugCounts = new Dictionary<string, int>(StringComparer.Ordinal);
        var blocks = new List<CodeBlock>();
        for (var i = 0; i < lines.Length; i++)
        {
            var fence = FenceOpen().Match(lines[i]);
            if (fence.Success)
            {
                var marker = fence.Groups["fence"].Value;
                var info = fence.Groups["info"].Value.Trim();
                var language = info.Split(' ', 2)[0].ToLowerInvariant();
                var previous = PreviousNonBlank(lines, i);
                var body = new StringBuilder();
                var start = i + 1;
                for (i++; i < lines.Length && !IsFenceClose(lines[i], marker); i++)
                {
                    body.Append(lines[i]).Append('\n');
                }

                blocks.Add(new CodeBlock(language, start + 1, body.ToString(), string.Equals(previous?.Trim(), FragmentMarker, StringComparison.Ordinal)));
                continue;
            }

            var line = InlineCode().Replace(lines[i], string.Empty);
            var heading = Heading().Match(lines[i]);
            if (heading.Success)
            {
                var slug = Slug(heading.Groups["text"].Value);
                var count = slugCounts.GetValueOrDefault(slug);
                slugCounts[slug] = count + 1;
                anchors.Add(count == 0 ? slug : slug + "-" + count.ToString(CultureInfo.InvariantCulture));
            }

            foreach (Match match in InlineLink().Matches(line))
            {
                links.Add(new MarkdownLink(match.Groups["target"].Value, i + 1));
            }

            if (ReferenceDefinition().Match(line) is { Success: true } definition)
            {
                links.Add(new MarkdownLink(definition.Groups["target"].Value, i + 1));
            }

            foreach (Match match in Href().Matches(line))
            {
                links.Add(new MarkdownLink(match.Groups["target"].Value, i + 1));
            }
        }

        return new MarkdownDocument(name, links, anchors, blocks);
    }

    /// <summary>
    /// The anchor GitHub gives a heading: the rendered text lower-cased, every character that is not a
    /// letter, mark, digit, connector (<c>_</c>), space or hyphen removed, spaces turned into hyphens.
    /// </summary>
    public static string Slug(string headingText)
    {
        var rendered = InlineLinkText().Replace(headingText.Trim(), "${text}");
        rendered = HtmlTag().Replace(rendered, string.Empty);
        var slug = new StringBuilder(rendered.Length);
        foreach (var c in rendered.ToLowerInvariant())
        {
            var category = char.GetUnicodeCategory(c);
            if (c == ' ')
            {
                slug.Append('-');
            }
            else if (c == '-' || char.IsLetterOrDigit(c) || category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark
                     or UnicodeCategory.EnclosingMark or UnicodeCategory.ConnectorPunctuation or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber)
            {
                slug.Append(c);
            }
        }

        return slug.ToString();
    }

    private static string? PreviousNonBlank(string[] lines, int index)
    {
        for (var j = index - 1; j >= 0; j--)
        {
            if (!string.IsNullOrWhiteSpace(lines[j]))
            {
                return lines[j];
            }
        }

        return null;
    }

    private static bool IsFenceClose(string line, string opening)
    {
        var trimmed = line.TrimStart(' ');
        return line.Length - trimmed.Length <= 3
               && trimmed.Length >= opening.Length
               && trimmed.StartsWith(opening, StringComparison.Ordinal)
               && trimmed.TrimEnd().All(c => c == opening[0]);
    }

    [GeneratedRegex(@"^ {0,3}(?<fence>`{3,}|~{3,})(?<info>[^`]*)$")]
    private static partial Regex FenceOpen();

    [GeneratedRegex(@"^ {0,3}#{1,6}[ \t]+(?<text>.*?)(?:[ \t]+#+)?[ \t]*$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"(`+)(?:(?!\1).)+?\1")]
    private static partial Regex InlineCode();

    // [text](target "title") and ![alt](target); the text may hold one level of brackets.
    [GeneratedRegex(@"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?(?<target>[^)\s>]+)>?(?:\s+""[^""]*"")?\s*\)")]
    private static partial Regex InlineLink();

    [GeneratedRegex(@"\[(?<text>(?:[^\[\]]|\[[^\]]*\])*)\]\([^)]*\)")]
    private static partial Regex InlineLinkText();

    [GeneratedRegex(@"^ {0,3}\[[^\]]+\]:\s*<?(?<target>\S+?)>?(?:\s.*)?$")]
    private static partial Regex ReferenceDefinition();

    [GeneratedRegex(@"\bhref\s*=\s*""(?<target>[^""]+)""", RegexOptions.IgnoreCase)]
    private static partial Regex Href();

    [GeneratedRegex(@"<[^>]+>")]
    private static partial Regex HtmlTag();
}

/// <summary>A link target as written, and the line it is on.</summary>
internal sealed record MarkdownLink(string Target, int Line);

/// <summary>A fenced code block: its language (the info string's first word), the line its code starts on, and its code.</summary>
internal sealed record CodeBlock(string Language, int Line, string Code, bool IsFragment)
{
    public bool IsCSharp => Language is "csharp" or "cs" or "c#";
}

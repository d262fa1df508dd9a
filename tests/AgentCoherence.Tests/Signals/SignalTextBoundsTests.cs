using System.Globalization;
using System.Text;
using Microsoft.ML.Tokenizers;
using Xunit.Abstractions;
using AgentCoherence.Signals;

namespace AgentCoherence.Tests.Signals;

/// <summary>
/// The compact text of any valid signal is well-formed UTF-16 (it encodes with a strict UTF-8
/// encoder), costs at most <see cref="SignalText.MaxTokens"/> tokens under both <c>o200k_base</c> and
/// <c>cl100k_base</c>, and keeps the version. Tokens are counted here with the tokenizers directly,
/// not through the library.
/// </summary>
public sealed class SignalTextBoundsTests(ITestOutputHelper output)
{
    private const string Rocket = "🚀"; // U+1F680: one surrogate pair
    private const string Family = "👨‍👩‍👧‍👦"; // four emoji joined by ZWJ: one text element of 11 UTF-16 units
    private const string Flag = "🇩🇪"; // two regional indicators: one text element, two surrogate pairs
    private const string EAcute = "e\u0301"; // e + combining acute accent

    private static readonly Tokenizer s_o200k = TiktokenTokenizer.CreateForEncoding("o200k_base");
    private static readonly Tokenizer s_cl100k = TiktokenTokenizer.CreateForEncoding("cl100k_base");
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly SignalKind[] s_kinds = [SignalKind.Commit, SignalKind.Delete, SignalKind.Reclaim];

    public static TheoryData<SignalKind> Kinds => new() { SignalKind.Commit, SignalKind.Delete, SignalKind.Reclaim };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void An_emoji_at_any_offset_of_a_long_key_is_never_cut_in_half(SignalKind kind)
    {
        // The emoji walks through every position of the key's tail (and, with the padding before it,
        // through both parities), so every cut the shortening makes lands once on each of its halves.
        foreach (var tail in new[] { "", "x", "xy" })
        {
            for (var offset = 0; offset <= 40; offset++)
            {
                var name = "plans/data/raw/" + new string('a', 24) + Rocket + new string('b', offset) + tail;
                AssertBounded(Signal(name, "reviewer", kind, 7));
                AssertBounded(Signal(name, "reviewer", kind, long.MaxValue));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Keys_made_of_emoji_and_other_wide_text_stay_well_formed_and_bounded(SignalKind kind)
    {
        foreach (var unit in new[] { Rocket, Family, Flag, EAcute, "日本語", "計", "नमस्ते", "ø", "ü" + Rocket })
        {
            for (var lead = 0; lead <= 2; lead++)
            {
                for (var count = 1; count * unit.Length + lead + 16 <= ArtifactKey.MaxNameLength; count = count < 8 ? count + 1 : count * 2)
                {
                    var name = "plans/data/raw/" + new string('_', lead) + string.Concat(Enumerable.Repeat(unit, count));
                    foreach (var version in new[] { 0L, 7L, 123_456L, long.MaxValue })
                    {
                        AssertBounded(Signal(name, "reviewer", kind, version));
                    }
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Long_and_emoji_issuers_stay_well_formed_and_bounded(SignalKind kind)
    {
        var issuers = new List<string>
        {
            new('y', AgentId.MaxLength),
            "senior-architecture-reviewer-agent-7",
            string.Concat(Enumerable.Repeat("审阅者", 42)),
        };
        foreach (var unit in new[] { Rocket, Family, Flag, EAcute })
        {
            for (var lead = 0; lead <= 2; lead++)
            {
                for (var count = 1; lead + count * unit.Length <= AgentId.MaxLength; count++)
                {
                    issuers.Add(new string('a', lead) + string.Concat(Enumerable.Repeat(unit, count)));
                }
            }
        }

        foreach (var issuer in issuers)
        {
            foreach (var name in new[] { "plan.md", "plans/data/raw/" + Rocket + "launch.json", new string('x', ArtifactKey.MaxNameLength) })
            {
                AssertBounded(Signal(name, issuer, kind, 7));
                AssertBounded(Signal(name, issuer, kind, long.MaxValue));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void The_largest_versions_stay_whole_within_the_budget(SignalKind kind)
    {
        foreach (var version in new[] { 0L, 9L, 10L, 999L, 1000L, 999_999_999_999L, long.MaxValue - 1, long.MaxValue, -1L, long.MinValue })
        {
            AssertBounded(Signal("plan.md", "reviewer", kind, version));
            AssertBounded(Signal(new string('x', ArtifactKey.MaxNameLength), new string('y', AgentId.MaxLength), kind, version));
            AssertBounded(Signal(string.Concat(Enumerable.Repeat(Rocket, 200)), string.Concat(Enumerable.Repeat(Rocket, 64)), kind, version));
        }
    }

    [Theory]
    [InlineData(SignalKind.Commit, "plans/data/raw/🚀launch.json")]
    [InlineData(SignalKind.Commit, "docs/architecture/decisions/0042-use-coherence-for-shared-plans.md")]
    [InlineData(SignalKind.Delete, "docs/architecture/decisions/0042-use-coherence-for-shared-plans.md")]
    [InlineData(SignalKind.Commit, "plans/🇩🇪🇩🇪🇩🇪🇩🇪🇩🇪🇩🇪🇩🇪🇩🇪🇩🇪🇩🇪/é́é́é́é́é́é́é́é́é́é́/👨‍👩‍👧‍👦👨‍👩‍👧‍👦👨‍👩‍👧‍👦👨‍👩‍👧‍👦.json")]
    public void A_shortened_key_keeps_whole_text_elements_of_its_tail(SignalKind kind, string name)
    {
        for (var padding = 0; padding < 12; padding++)
        {
            var key = new ArtifactKey("workspace-with-a-long-name", name + new string('z', padding));
            var text = Signal(key.Name, "senior-architecture-reviewer-agent-7", kind, 7, key.Namespace).ToCompactText();
            var marker = kind == SignalKind.Delete ? " deleted (v7)" : " → v7";
            var shown = text["[coherence] ".Length..text.LastIndexOf(marker, StringComparison.Ordinal)];
            var full = key.ToString();
            if (shown == full)
            {
                continue;
            }

            Assert.StartsWith("…", shown, StringComparison.Ordinal);
            var tail = shown[1..];
            Assert.EndsWith(tail, full, StringComparison.Ordinal);
            var start = full.Length - tail.Length;
            Assert.True(
                StringInfo.ParseCombiningCharacters(full).Contains(start) || start == full.Length,
                $"'{text}' cuts '{full}' at {start}, inside a text element");
        }
    }

    [Theory]
    [InlineData("senior-architecture-reviewer-agent-7")]
    [InlineData("🇩🇪🇩🇪🇩🇪🇩🇪🇩🇪🇩🇪🇩🇪🇩🇪🇩🇪🇩🇪")]
    [InlineData("é́é́é́é́é́é́é́é́é́é́é́é́")]
    [InlineData("👨‍👩‍👧‍👦👨‍👩‍👧‍👦👨‍👩‍👧‍👦👨‍👩‍👧‍👦")]
    public void A_shortened_issuer_keeps_whole_text_elements_of_its_head(string issuer)
    {
        for (var padding = 0; padding < 12; padding++)
        {
            var id = new string('a', padding) + issuer;
            var text = Signal("docs/architecture/decisions/0042-use-coherence-for-shared-plans.md", id, SignalKind.Commit, 7).ToCompactText();
            _ = s_strictUtf8.GetBytes(text); // throws on a lone surrogate
            var shown = text[(text.LastIndexOf(" by ", StringComparison.Ordinal) + " by ".Length)..];
            if (shown == id)
            {
                continue;
            }

            Assert.EndsWith("…", shown, StringComparison.Ordinal);
            var head = shown[..^1];
            Assert.StartsWith(head, id, StringComparison.Ordinal);
            Assert.True(
                StringInfo.ParseCombiningCharacters(id).Contains(head.Length),
                $"'{text}' cuts '{id}' at {head.Length}, inside a text element");
        }
    }

    [Fact]
    public void Every_run_of_up_to_three_digits_is_one_token_in_both_encodings()
    {
        // SignalText reuses a text's cut and count for the next version of the same length: that holds
        // only while each piece a version's digits are split into costs one token whatever its digits.
        for (var length = 1; length <= 3; length++)
        {
            for (var n = 0; n < (int)Math.Pow(10, length); n++)
            {
                var digits = n.ToString(CultureInfo.InvariantCulture).PadLeft(length, '0');
                Assert.True(s_o200k.CountTokens(digits) == 1, $"'{digits}' is {s_o200k.CountTokens(digits)} o200k_base tokens");
                Assert.True(s_cl100k.CountTokens(digits) == 1, $"'{digits}' is {s_cl100k.CountTokens(digits)} cl100k_base tokens");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Each_next_version_formats_as_if_it_were_the_first(SignalKind kind)
    {
        var other = Signal("unrelated.md", "someone-else", SignalKind.Commit, 1);
        var random = new Random(7);
        var sources = new (string Name, string Issuer)[]
        {
            ("plans/plan.md", "reviewer"),
            ("docs/architecture/decisions/0042-use-coherence-for-shared-plans.md", "senior-architecture-reviewer-agent-7"),
            ("plans/data/raw/" + string.Concat(Enumerable.Repeat(Rocket, 40)), string.Concat(Enumerable.Repeat(Family, 6))),
            ("计划/共享计划文档-第二版.md", "审阅者审阅者"),
        };
        foreach (var (name, issuer) in sources)
        {
            // Runs of consecutive versions, then versions of every length, positive and negative, near the
            // boundaries where the length changes.
            var versions = Enumerable.Range(0, 1100).Select(v => (long)v)
                .Concat(Enumerable.Range(0, 19).SelectMany(e => new[] { (long)Math.Pow(10, e) - 1, (long)Math.Pow(10, e), (long)Math.Pow(10, e) + random.Next(1000) }))
                .Concat(Enumerable.Range(0, 200).Select(_ => random.NextInt64(long.MinValue, long.MaxValue)))
                .Concat([long.MaxValue - 1, long.MaxValue, long.MinValue, long.MinValue + 1, -1, -10, -999]);
            foreach (var version in versions)
            {
                var signal = Signal(name, issuer, kind, version);
                var (_, _, following) = AssertBounded(signal); // right after the previous version
                _ = SignalText.Format(other);
                var fresh = SignalText.FormatWithTokens(signal, out var freshTokens);
                Assert.Equal(fresh, following);
                Assert.Equal(s_o200k.CountTokens(fresh), freshTokens);
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Random_keys_and_agent_ids_stay_well_formed_bounded_and_versioned(int seed)
    {
        var random = new Random(seed);
        int maxO200k = 0, maxCl100k = 0, shortened = 0;
        const int Cases = 1500;
        for (var i = 0; i < Cases; i++)
        {
            // Half the signals are plain ASCII paths and ids, half mix in everything else.
            var pieces = random.Next(2) == 0 ? s_asciiPieces : s_pieces;
            var ns = random.Next(3) == 0 ? ArtifactKey.DefaultNamespace : RandomText(random, pieces, 1 + random.Next(random.Next(2) == 0 ? 12 : ArtifactKey.MaxNamespaceLength), allowSpace: true);
            var name = RandomText(random, pieces, 1 + random.Next(random.Next(3) switch { 0 => 16, 1 => 40, _ => ArtifactKey.MaxNameLength }), allowSpace: true);
            var issuer = RandomText(random, pieces, 1 + random.Next(random.Next(3) switch { 0 => 8, 1 => 16, _ => AgentId.MaxLength }), allowSpace: false);
            var kind = s_kinds[random.Next(s_kinds.Length)];
            var version = random.Next(4) switch
            {
                0 => random.Next(1, 100),
                1 => random.NextInt64(0, 1_000_000_000),
                2 => random.NextInt64(0, long.MaxValue),
                _ => long.MaxValue - random.Next(10),
            };
            var signal = Signal(name, issuer, kind, version, ns);
            var (o200k, cl100k, text) = AssertBounded(signal, $"seed {seed}, case {i}");
            maxO200k = Math.Max(maxO200k, o200k);
            maxCl100k = Math.Max(maxCl100k, cl100k);
            shortened += text.Contains(signal.Key.ToString(), StringComparison.Ordinal) ? 0 : 1;
        }

        output.WriteLine($"seed {seed}: {Cases} signals, {shortened} shortened, max o200k_base {maxO200k}, max cl100k_base {maxCl100k} tokens");
    }

    private static InvalidationSignal Signal(string name, string issuer, SignalKind kind, long version, string ns = ArtifactKey.DefaultNamespace) =>
        new(new ArtifactKey(ns, name), version, new AgentId(issuer), kind, new AgentId("r"));

    private static (int O200k, int Cl100k, string Text) AssertBounded(InvalidationSignal signal, string? context = null)
    {
        string text;
        int tokens;
        try
        {
            text = SignalText.FormatWithTokens(signal, out tokens);
            Assert.Equal(text, signal.ToCompactText());
        }
        catch (Exception ex)
        {
            throw new Xunit.Sdk.XunitException($"{Describe(signal, context)}: formatting threw {ex.GetType().Name}: {ex.Message}");
        }

        try
        {
            _ = s_strictUtf8.GetBytes(text);
        }
        catch (EncoderFallbackException ex)
        {
            throw new Xunit.Sdk.XunitException($"{Describe(signal, context)}: the text {Escape(text)} is not valid UTF-16: {ex.Message}");
        }

        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsSurrogate(text[i]) && !(i + 1 < text.Length && char.IsSurrogatePair(text[i], text[i + 1])))
            {
                throw new Xunit.Sdk.XunitException($"{Describe(signal, context)}: lone surrogate at {i} in {Escape(text)}");
            }

            i += char.IsHighSurrogate(text[i]) ? 1 : 0;
        }

        var o200k = s_o200k.CountTokens(text);
        var cl100k = s_cl100k.CountTokens(text);
        if (o200k > SignalText.MaxTokens || cl100k > SignalText.MaxTokens)
        {
            throw new Xunit.Sdk.XunitException($"{Describe(signal, context)}: {Escape(text)} costs {o200k} o200k_base and {cl100k} cl100k_base tokens (limit {SignalText.MaxTokens})");
        }

        var version = "v" + signal.NewVersion.ToString(CultureInfo.InvariantCulture);
        if (!text.Contains(version, StringComparison.Ordinal))
        {
            throw new Xunit.Sdk.XunitException($"{Describe(signal, context)}: {Escape(text)} lost the version {version}");
        }

        Assert.StartsWith("[coherence] ", text, StringComparison.Ordinal);
        Assert.Equal(o200k, tokens);
        return (o200k, cl100k, text);
    }

    private static string Describe(InvalidationSignal signal, string? context) =>
        $"{(context is null ? "" : context + ": ")}{signal.Kind} v{signal.NewVersion} key ns={Escape(signal.Key.Namespace)} name={Escape(signal.Key.Name)} issuer={Escape(signal.Issuer.Value)}";

    // Non-ASCII as \uXXXX so a failing input can be pasted back into a test.
    private static string Escape(string text)
    {
        var builder = new StringBuilder(text.Length + 2).Append('"');
        foreach (var c in text)
        {
            _ = c is >= ' ' and <= '~' and not '"' and not '\\' ? builder.Append(c) : builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
        }

        return builder.Append('"').ToString();
    }

    // Pieces that tokenize very differently under the two encodings: ASCII words, digits and
    // punctuation, CJK, Devanagari with its combining signs, Cyrillic, Arabic, emoji (surrogate
    // pairs), ZWJ sequences, flags and combining accents.
    private static readonly string[] s_asciiPieces =
    [
        "plan", "plans", "data", "raw", "launch", "docs", "architecture", "decisions", "Review", "Notes", "CHANGELOG", ".json", ".md", ".cs",
        "/", "-", "_", ".", "0042", "7", "2025", "x", "Q", "zz", "~", "@", "%", ":", "{", "}",
    ];

    private static readonly string[] s_pieces =
    [
        .. s_asciiPieces,
        "日本語", "計画", "审阅者", "नमस्ते", "कि", "привет", "ж", "سلام", "ø", "ß",
        Rocket, "😀", "🧪", Family, Flag, EAcute, "a\u0308\u0301", "\u200d", "\u0301",
    ];

    private static string RandomText(Random random, string[] pieces, int maxLength, bool allowSpace)
    {
        var builder = new StringBuilder();
        while (true)
        {
            var piece = allowSpace && random.Next(12) == 0 ? " " : pieces[random.Next(pieces.Length)];
            if (builder.Length + piece.Length > maxLength)
            {
                break;
            }

            builder.Append(piece);
        }

        if (builder.Length == 0 || string.IsNullOrWhiteSpace(builder.ToString()))
        {
            builder.Clear().Append('k');
        }

        if (builder[0] == '#')
        {
            builder[0] = 'k';
        }

        return builder.ToString();
    }
}

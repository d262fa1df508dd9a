using System.Globalization;
using System.Text;
using AgentCoherence.Internal;

namespace AgentCoherence.Signals;

/// <summary>
/// The compact text of a signal, bounded to <see cref="MaxTokens"/> tokens under both <c>o200k_base</c>
/// and <c>cl100k_base</c>: long artifact names and issuers are shortened (the tail of a path and the
/// head of an agent id are kept, cut only between whole text elements, so a surrogate pair or a
/// combining sequence is never split) until the text fits both. The version always stays whole; a
/// version so large that even <c>[coherence] … → vN by …</c> is over budget leaves only the words
/// and the version, for example <c>[coherence] deleted (v9223372036854775807)</c>.
/// </summary>
public static class SignalText
{
    /// <summary>The token budget of one signal's text, under each of <c>o200k_base</c> and <c>cl100k_base</c>.</summary>
    public const int MaxTokens = 16;

    private const string Prefix = "[coherence] ";
    private const string Ellipsis = "…";

    // The first cut keeps at most this many UTF-8 bytes of the key's tail and of the issuer's head.
    private const int FirstKeyBudget = 32;
    private const int FirstIssuerBudget = 16;

    // One commit signals every peer with the same text; the last one formatted is kept so a fan-out
    // tokenizes it once, not once per recipient. The next commit of the same artifact by the same
    // agent reuses its cut and count, without tokenizing, when the new version is as long (and of the
    // same sign): both encodings' pre-tokenizers split a run of digits into pieces of at most three
    // whatever the digits, and each such piece is one token in both vocabularies (SignalTextBoundsTests
    // checks all 1,110), so a version costs the same tokens as any other of its length.
    private static Formatted? s_last;

    /// <summary>Formats a signal, for example <c>[coherence] plans/plan.md → v7 by reviewer</c>.</summary>
    public static string Format(InvalidationSignal signal) => FormatWithTokens(signal, out _);

    /// <summary>
    /// Formats a signal and returns its <c>o200k_base</c> token count (at most <see cref="MaxTokens"/>; the
    /// text is also within <see cref="MaxTokens"/> tokens of <c>cl100k_base</c>).
    /// </summary>
    public static string FormatWithTokens(InvalidationSignal signal, out int tokens)
    {
        ArgumentNullException.ThrowIfNull(signal);
        var last = Volatile.Read(ref s_last);
        var same = last is not null && last.Kind == signal.Kind && last.Key == signal.Key && last.Issuer == signal.Issuer ? last : null;
        if (same is not null && same.Version == signal.NewVersion)
        {
            tokens = same.Tokens;
            return same.Text;
        }

        var version = signal.NewVersion.ToString(CultureInfo.InvariantCulture);
        string text;
        Parts? parts;
        if (same is not null && SameShape(version, same.VersionText))
        {
            parts = same.Parts;
            text = parts is { } kept ? Compose(signal.Kind, kept.Key, version, kept.Issuer) : ComposeTerse(signal.Kind, version);
            tokens = same.Tokens;
        }
        else
        {
            text = Shorten(signal, version, out parts, out tokens);
        }

        Volatile.Write(ref s_last, new Formatted(signal.Key, signal.NewVersion, signal.Issuer, signal.Kind, version, parts, text, tokens));
        return text;
    }

    // Shortens the key and the issuer until the text fits; parts is null when only the words and the
    // version are left.
    private static string Shorten(InvalidationSignal signal, string version, out Parts? parts, out int tokens)
    {
        var key = signal.Key.ToString();
        var issuer = signal.Issuer.ToString();
        parts = new Parts(key, issuer);
        var text = Compose(signal.Kind, key, version, issuer);
        if (Fits(text, out tokens))
        {
            return text;
        }

        // Shrink the key's head and the issuer's tail, in UTF-8 bytes (a closer proxy for tokens than
        // UTF-16 units), until both budgets hold; the version always stays. What changed matters more
        // than who changed it: the key keeps about twice the issuer's bytes.
        var keyCut = new Cut(key, keepTail: true);
        var issuerCut = new Cut(issuer, keepTail: false);
        var keyBudget = Math.Min(keyCut.Bytes, FirstKeyBudget);
        var issuerBudget = signal.Kind == SignalKind.Reclaim ? 0 : Math.Min(issuerCut.Bytes, FirstIssuerBudget);
        while (true)
        {
            var candidateParts = new Parts(keyCut.Keep(keyBudget), issuerCut.Keep(issuerBudget));
            var candidate = Compose(signal.Kind, candidateParts.Key, version, candidateParts.Issuer);
            if (!string.Equals(candidate, text, StringComparison.Ordinal))
            {
                text = candidate;
                if (Fits(text, out tokens))
                {
                    parts = candidateParts;
                    return text;
                }
            }

            if (keyBudget > 2 * issuerBudget)
            {
                keyBudget = keyBudget * 2 / 3;
            }
            else if (issuerBudget > 0)
            {
                issuerBudget = issuerBudget * 2 / 3;
            }
            else
            {
                break;
            }
        }

        // Even "… → vN by …" is over budget, which only a version of 16 digits or more (or a negative
        // one) makes: keep the words and the version alone, within budget for every long under both
        // encodings (SignalTextBoundsTests checks long.MaxValue and long.MinValue).
        parts = null;
        text = ComposeTerse(signal.Kind, version);
        tokens = CountTokens(text);
        return text;
    }

    // Equal lengths and signs: the versions cost the same tokens in any text (see s_last).
    private static bool SameShape(string version, string other) =>
        version.Length == other.Length && (version[0] == '-') == (other[0] == '-');

    /// <summary>The <c>o200k_base</c> token count of a text.</summary>
    public static int CountTokens(string text) => O200kTokenCounter.Instance.CountTokens(text);

    // cl100k_base is counted only when o200k_base fits: a text over budget there is rejected without it.
    private static bool Fits(string text, out int o200kTokens)
    {
        o200kTokens = CountTokens(text);
        return o200kTokens <= MaxTokens && Cl100kTokenCounter.Instance.CountTokens(text) <= MaxTokens;
    }

    private static string Compose(SignalKind kind, string key, string version, string issuer) => kind switch
    {
        SignalKind.Delete => $"{Prefix}{key} deleted (v{version}) by {issuer}",
        SignalKind.Reclaim => $"{Prefix}{key} grant reclaimed (v{version})",
        _ => $"{Prefix}{key} → v{version} by {issuer}",
    };

    private static string ComposeTerse(SignalKind kind, string version) => kind switch
    {
        SignalKind.Delete => $"{Prefix}deleted (v{version})",
        SignalKind.Reclaim => $"{Prefix}reclaimed (v{version})",
        _ => $"{Prefix}→ v{version}",
    };

    /// <summary>
    /// Cuts a text between whole text elements (extended grapheme clusters), keeping its tail or its
    /// head within a budget of UTF-8 bytes and marking the cut with an ellipsis.
    /// </summary>
    private sealed class Cut
    {
        private readonly string _text;
        private readonly bool _keepTail;
        private int[]? _starts;
        private int[]? _bytesBefore;

        public Cut(string text, bool keepTail)
        {
            _text = text;
            _keepTail = keepTail;
            Bytes = Encoding.UTF8.GetByteCount(text);
        }

        /// <summary>The text's length in UTF-8 bytes.</summary>
        public int Bytes { get; }

        /// <summary>The whole text if it fits <paramref name="budget"/> bytes, else the longest run of whole elements that does, with an ellipsis.</summary>
        public string Keep(int budget)
        {
            if (Bytes <= budget)
            {
                return _text;
            }

            // Element i spans [starts[i], starts[i + 1]), the last one up to the end of the text;
            // bytesBefore[i] is the UTF-8 length of the text before element i.
            var starts = _starts ??= StringInfo.ParseCombiningCharacters(_text);
            var bytesBefore = _bytesBefore ??= BytesBefore(_text, starts);
            if (_keepTail)
            {
                // The first element whose tail (it and all after it) fits.
                var first = 0;
                while (first < starts.Length && Bytes - bytesBefore[first] > budget)
                {
                    first++;
                }

                return first == starts.Length ? Ellipsis : string.Concat(Ellipsis, _text.AsSpan(starts[first]));
            }

            // The number of leading elements that fit.
            var kept = 0;
            while (kept + 1 < starts.Length && bytesBefore[kept + 1] <= budget)
            {
                kept++;
            }

            return kept == 0 ? Ellipsis : string.Concat(_text.AsSpan(0, starts[kept]), Ellipsis);
        }

        private static int[] BytesBefore(string text, int[] starts)
        {
            var bytesBefore = new int[starts.Length];
            for (var i = 1; i < starts.Length; i++)
            {
                bytesBefore[i] = bytesBefore[i - 1] + Encoding.UTF8.GetByteCount(text.AsSpan(starts[i - 1], starts[i] - starts[i - 1]));
            }

            return bytesBefore;
        }
    }

    // The key and the issuer as they appear in a text, shortened or not.
    private readonly record struct Parts(string Key, string Issuer);

    private sealed record Formatted(ArtifactKey Key, long Version, AgentId Issuer, SignalKind Kind, string VersionText, Parts? Parts, string Text, int Tokens);
}

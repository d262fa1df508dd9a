using System.Globalization;

namespace AgentCoherence;

/// <summary>
/// The compact text of a signal, bounded to <see cref="MaxTokens"/> tokens of <c>o200k_base</c>:
/// long artifact names and issuers are shortened (the tail of a path and the head of an agent id are
/// kept, cut only between whole text elements, so a surrogate pair or a combining sequence is never
/// split) until the text fits.
/// </summary>
public static class SignalText
{
    /// <summary>The token budget of one signal's text.</summary>
    public const int MaxTokens = 16;

    private const string Prefix = "[coherence] ";
    private const string Ellipsis = "…";

    // One commit signals every peer with the same text; the last one formatted is kept so a fan-out
    // tokenizes it once, not once per recipient.
    private static Formatted? s_last;

    /// <summary>Formats a signal, for example <c>[coherence] plans/plan.md → v7 by reviewer</c>.</summary>
    public static string Format(InvalidationSignal signal) => FormatWithTokens(signal, out _);

    /// <summary>Formats a signal and returns its <c>o200k_base</c> token count (at most <see cref="MaxTokens"/>).</summary>
    public static string FormatWithTokens(InvalidationSignal signal, out int tokens)
    {
        ArgumentNullException.ThrowIfNull(signal);
        var last = Volatile.Read(ref s_last);
        if (last is not null && last.Kind == signal.Kind && last.Version == signal.NewVersion && last.Key == signal.Key && last.Issuer == signal.Issuer)
        {
            tokens = last.Tokens;
            return last.Text;
        }

        var text = Shorten(signal, out tokens);
        Volatile.Write(ref s_last, new Formatted(signal.Key, signal.NewVersion, signal.Issuer, signal.Kind, text, tokens));
        return text;
    }

    private static string Shorten(InvalidationSignal signal, out int tokens)
    {
        var key = signal.Key.ToString();
        var issuer = signal.Issuer.ToString();
        var text = Compose(signal, key, issuer);
        tokens = CountTokens(text);
        if (tokens <= MaxTokens)
        {
            return text;
        }

        // Shrink the key's head and the issuer's tail until the budget holds; the version always stays.
        var keyCut = new Cut(key, keepTail: true);
        var issuerCut = new Cut(issuer, keepTail: false);
        for (var keyChars = Math.Min(key.Length, 32); ; keyChars = Math.Max(1, keyChars * 2 / 3))
        {
            var shortKey = keyCut.Keep(keyChars);
            var shortIssuer = issuer.Length <= 12 ? issuer : issuerCut.Keep(Math.Max(4, keyChars / 2));
            text = Compose(signal, shortKey, shortIssuer);
            tokens = CountTokens(text);
            if (tokens <= MaxTokens || keyChars == 1)
            {
                return text;
            }
        }
    }

    /// <summary>The <c>o200k_base</c> token count of a text.</summary>
    public static int CountTokens(string text) => O200kTokenCounter.Instance.CountTokens(text);

    private static string Compose(InvalidationSignal signal, string key, string issuer) => signal.Kind switch
    {
        SignalKind.Delete => $"{Prefix}{key} deleted (v{signal.NewVersion}) by {issuer}",
        SignalKind.Reclaim => $"{Prefix}{key} grant reclaimed (v{signal.NewVersion})",
        _ => $"{Prefix}{key} → v{signal.NewVersion} by {issuer}",
    };

    /// <summary>
    /// Cuts a text between whole text elements (extended grapheme clusters), keeping its tail or its
    /// head within a budget of UTF-16 units and marking the cut with an ellipsis.
    /// </summary>
    private sealed class Cut(string text, bool keepTail)
    {
        private int[]? _starts;

        /// <summary>The whole text if it fits <paramref name="budget"/> units, else the longest run of whole elements that does, with an ellipsis.</summary>
        public string Keep(int budget)
        {
            if (text.Length <= budget)
            {
                return text;
            }

            // Element i spans [starts[i], starts[i + 1]), the last one up to the end of the text.
            var starts = _starts ??= StringInfo.ParseCombiningCharacters(text);
            if (keepTail)
            {
                // The first element whose tail (it and all after it) fits.
                var first = 0;
                while (first < starts.Length && text.Length - starts[first] > budget)
                {
                    first++;
                }

                return first == starts.Length ? Ellipsis : string.Concat(Ellipsis, text.AsSpan(starts[first]));
            }

            // The number of leading elements that fit.
            var kept = 0;
            while (kept + 1 < starts.Length && starts[kept + 1] <= budget)
            {
                kept++;
            }

            return kept == 0 ? Ellipsis : string.Concat(text.AsSpan(0, starts[kept]), Ellipsis);
        }
    }

    private sealed record Formatted(ArtifactKey Key, long Version, AgentId Issuer, SignalKind Kind, string Text, int Tokens);
}

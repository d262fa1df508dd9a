namespace AgentCoherence;

/// <summary>
/// The compact text of a signal, bounded to <see cref="MaxTokens"/> tokens of <c>o200k_base</c>:
/// long artifact names and issuers are shortened (the tail of a path is kept) until the text fits.
/// </summary>
public static class SignalText
{
    /// <summary>The token budget of one signal's text.</summary>
    public const int MaxTokens = 16;

    private const string Prefix = "[coherence] ";

    /// <summary>Formats a signal, for example <c>[coherence] plans/plan.md → v7 by reviewer</c>.</summary>
    public static string Format(InvalidationSignal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        var key = signal.Key.ToString();
        var issuer = signal.Issuer.ToString();
        var text = Compose(signal, key, issuer);
        if (text.Length <= 40 && CountTokens(text) <= MaxTokens)
        {
            return text;
        }

        // Shrink the key's head and the issuer's tail until the budget holds; the version always stays.
        for (var keyChars = Math.Min(key.Length, 32); ; keyChars = Math.Max(1, keyChars * 2 / 3))
        {
            var shortKey = key.Length <= keyChars ? key : "…" + key[^keyChars..];
            var shortIssuer = issuer.Length <= 12 ? issuer : issuer[..Math.Min(issuer.Length, Math.Max(4, keyChars / 2))] + "…";
            text = Compose(signal, shortKey, shortIssuer);
            if (CountTokens(text) <= MaxTokens || keyChars == 1)
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
}

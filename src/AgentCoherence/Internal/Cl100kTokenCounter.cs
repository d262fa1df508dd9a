using AgentCoherence.Signals;
using Microsoft.ML.Tokenizers;

namespace AgentCoherence.Internal;

/// <summary>
/// Counts tokens with OpenAI's <c>cl100k_base</c> encoding (Microsoft.ML.Tokenizers and its
/// Cl100kBase data package). The vocabulary loads once, on first use. <see cref="SignalText"/> keeps a
/// signal's text within its budget under this encoding as well as under <c>o200k_base</c>.
/// </summary>
internal sealed class Cl100kTokenCounter : ITokenCounter
{
    private static readonly Lazy<Tokenizer> s_tokenizer = new(() => TiktokenTokenizer.CreateForEncoding("cl100k_base"));

    /// <summary>The shared instance.</summary>
    public static Cl100kTokenCounter Instance { get; } = new();

    /// <inheritdoc />
    public int CountTokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length == 0 ? 0 : s_tokenizer.Value.CountTokens(text);
    }
}

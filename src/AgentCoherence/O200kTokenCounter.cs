using Microsoft.ML.Tokenizers;

namespace AgentCoherence;

/// <summary>
/// Counts tokens with OpenAI's <c>o200k_base</c> encoding (Microsoft.ML.Tokenizers and its
/// O200kBase data package). The vocabulary loads once, on first use.
/// </summary>
public sealed class O200kTokenCounter : ITokenCounter
{
    private static readonly Lazy<Tokenizer> s_tokenizer = new(() => TiktokenTokenizer.CreateForEncoding("o200k_base"));

    /// <summary>The shared instance.</summary>
    public static O200kTokenCounter Instance { get; } = new();

    /// <inheritdoc />
    public int CountTokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length == 0 ? 0 : s_tokenizer.Value.CountTokens(text);
    }
}

namespace AgentCoherence.Cli.Bench;

/// <summary>
/// A token counter for synthetic workloads: every non-empty content costs the size the workload
/// declares, instead of what its placeholder text would tokenize to. PROTOCOL.md: "synthetic
/// workloads declare their sizes". Signals are not counted here; the agents measure their compact
/// text with the real <c>o200k_base</c> tokenizer (<see cref="SignalText.CountTokens"/>).
/// </summary>
internal sealed class DeclaredSizeTokenCounter : ITokenCounter
{
    public DeclaredSizeTokenCounter(int declaredTokens)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(declaredTokens);
        DeclaredTokens = declaredTokens;
    }

    /// <summary>The size every artifact of the workload declares.</summary>
    public int DeclaredTokens { get; }

    public int CountTokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length == 0 ? 0 : DeclaredTokens;
    }
}

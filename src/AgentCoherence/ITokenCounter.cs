namespace AgentCoherence;

/// <summary>Counts the tokens a text costs in a model's context.</summary>
public interface ITokenCounter
{
    /// <summary>The number of tokens <paramref name="text"/> encodes to.</summary>
    int CountTokens(string text);
}

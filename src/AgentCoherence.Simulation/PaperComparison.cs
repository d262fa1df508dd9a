namespace AgentCoherence.Simulation;

/// <summary>The paper's savings table (arXiv 2603.15183) reproduced: each volatility's published figure, our runs and the lower bound.</summary>
/// <param name="Strategy">The strategy our runs used.</param>
/// <param name="Seeds">The seeds, the same at every volatility.</param>
/// <param name="Rows">One row per volatility.</param>
public sealed record PaperComparison(string Strategy, IReadOnlyList<int> Seeds, IReadOnlyList<PaperRow> Rows)
{
    /// <summary>The paper's reported savings against broadcast, with standard deviations, by volatility.</summary>
    public static IReadOnlyList<(double Volatility, double Savings, double? Sd)> Published { get; } =
    [
        (0.05, 0.950, 0.013),
        (0.10, 0.923, 0.014),
        (0.25, 0.883, 0.015),
        (0.50, 0.842, 0.013),
        (0.90, 0.81, null),
    ];
}

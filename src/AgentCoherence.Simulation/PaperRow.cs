namespace AgentCoherence.Simulation;

/// <summary>One volatility of the paper's table, the paper's figure beside ours.</summary>
/// <param name="Volatility">The write volatility V.</param>
/// <param name="PaperSavings">The paper's savings against broadcast (mean).</param>
/// <param name="PaperSd">The paper's standard deviation, or null where it gives none (V = 0.90: "about 81 %").</param>
/// <param name="LowerBound">The theorem's lower bound, 1 − (n + W(d)) / S.</param>
/// <param name="Ours">Our savings against broadcast, the paper's accounting, over the seeds.</param>
/// <param name="OursAsPaper">Ours without the re-reads refused stale writes cost, which the paper's simulator does not have.</param>
/// <param name="OursFull">Our savings against broadcast, the full accounting, over the seeds.</param>
/// <param name="Summary">Every measure of our runs.</param>
public sealed record PaperRow(double Volatility, double PaperSavings, double? PaperSd, double LowerBound, MeanSd Ours, MeanSd OursAsPaper, MeanSd OursFull, SimulationSummary Summary);

using AgentCoherence.Simulation;

namespace AgentCoherence.Cli.Simulate;

/// <summary>Everything a report shows: the paper comparison and the sweeps, with the seeds and strategies that made them.</summary>
/// <param name="Paper">The paper's table beside ours.</param>
/// <param name="Sweeps">The sweeps, in the order run.</param>
/// <param name="Command">The command line that reproduces the report.</param>
internal sealed record SimulationReportData(PaperComparison Paper, IReadOnlyList<SimulationSweep> Sweeps, string Command);

using System.Globalization;

namespace AgentCoherence.ModelChecking.ClientModel;

/// <summary>The outcome of one client exploration.</summary>
/// <param name="Scenario">What was explored.</param>
/// <param name="States">Distinct states reached.</param>
/// <param name="Transitions">Steps tried from explored states (each on its own replayed world).</param>
/// <param name="StepsRun">Steps executed in all, replays included: what the time is spent on.</param>
/// <param name="MaxDepth">The longest shortest path to an explored state.</param>
/// <param name="Finished">States where no step is enabled (every script ran to its end, nothing held, no signal queued).</param>
/// <param name="Revisits">States expanded again because a later path reached them with fewer steps asleep.</param>
/// <param name="Elapsed">Wall-clock time.</param>
/// <param name="Cpu">Processor time of the process meanwhile (a fairer measure than wall-clock time on a shared machine).</param>
/// <param name="Coverage">Facts the exploration actually reached (see <see cref="ClientWorld"/>).</param>
/// <param name="Violations">The first (shortest) counterexample of each invariant broken.</param>
/// <param name="Truncated">True when a safety stop or a stop-at-first ended the exploration early.</param>
internal sealed record ClientExplorationResult(
    ClientScenario Scenario,
    long States,
    long Transitions,
    long StepsRun,
    int MaxDepth,
    long Finished,
    long Revisits,
    TimeSpan Elapsed,
    TimeSpan Cpu,
    IReadOnlySet<string> Coverage,
    IReadOnlyDictionary<ClientInvariant, ClientCounterexample> Violations,
    bool Truncated)
{
    /// <summary>One line for logs; the CI script keeps lines starting with STATES.</summary>
    public string Summary =>
        string.Create(CultureInfo.InvariantCulture, $"STATES client {Scenario}: {States:N0} states, {Transitions:N0} transitions, {StepsRun:N0} steps run, depth {MaxDepth}, {Finished:N0} final, {Elapsed.TotalSeconds:F1} s ({Cpu.TotalSeconds:F1} s CPU), ") +
        (Violations.Count == 0 ? "no violation" : "VIOLATED " + string.Join(", ", Violations.Keys)) + (Truncated ? " (stopped early)" : string.Empty);
}

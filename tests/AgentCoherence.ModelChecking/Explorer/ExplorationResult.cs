namespace AgentCoherence.ModelChecking.Explorer;

/// <summary>The outcome of one exploration.</summary>
/// <param name="Bounds">What was explored.</param>
/// <param name="States">Distinct states reached within the bounds (after deduplication).</param>
/// <param name="Transitions">Steps evaluated: every operation tried from every explored state, refused ones included.</param>
/// <param name="Landed">Steps that were not refused.</param>
/// <param name="PrunedByBounds">Landed steps whose target exceeded the version or epoch cap (checked, not explored).</param>
/// <param name="MaxDepth">The longest shortest path from the initial state to an explored state.</param>
/// <param name="Elapsed">Wall-clock time of the exploration.</param>
/// <param name="Coverage">What was actually reached.</param>
/// <param name="Counterexample">The first violation found (breadth-first, so a shortest one), if any.</param>
/// <param name="Truncated">True when the safety stop <see cref="ExplorerBounds.MaxStates"/> ended the exploration early.</param>
internal sealed record ExplorationResult(
    ExplorerBounds Bounds,
    long States,
    long Transitions,
    long Landed,
    long PrunedByBounds,
    int MaxDepth,
    TimeSpan Elapsed,
    CoverageFacts Coverage,
    Counterexample? Counterexample,
    bool Truncated)
{
    /// <summary>One line for logs: bounds, counts and time.</summary>
    public string Summary =>
        $"[model-checking] {Bounds}: {States:N0} states, {Transitions:N0} transitions ({Landed:N0} landed, {PrunedByBounds:N0} pruned by bounds), " +
        $"depth {MaxDepth}, {Elapsed.TotalSeconds:F2} s, " +
        (Counterexample is null ? "no violation" : $"VIOLATION {Counterexample.Invariant}") + (Truncated ? " (TRUNCATED)" : string.Empty);
}

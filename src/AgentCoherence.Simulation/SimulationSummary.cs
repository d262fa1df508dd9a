namespace AgentCoherence.Simulation;

/// <summary>One workload and strategy over several seeds: each measure's mean and standard deviation, and every run.</summary>
public sealed record SimulationSummary
{
    /// <summary>The workload's name.</summary>
    public required string Workload { get; init; }

    /// <summary>The cache strategy.</summary>
    public required string Strategy { get; init; }

    /// <summary>The seeds run.</summary>
    public required IReadOnlyList<int> Seeds { get; init; }

    /// <summary>Savings against full-state broadcast, the paper's accounting (<see cref="SimulationMeasures.SavingsVsBroadcast"/>).</summary>
    public required MeanSd SavingsVsBroadcast { get; init; }

    /// <summary>Savings against full-state broadcast without the re-reads refused writes cost (<see cref="SimulationMeasures.SavingsVsBroadcastAsPaper"/>).</summary>
    public required MeanSd SavingsVsBroadcastAsPaper { get; init; }

    /// <summary>Content tokens fetched again after refused writes.</summary>
    public required MeanSd RefetchTokens { get; init; }

    /// <summary>Savings against full-state broadcast, the full accounting (<see cref="SimulationMeasures.SavingsVsBroadcastFull"/>).</summary>
    public required MeanSd SavingsVsBroadcastFull { get; init; }

    /// <summary>Savings against no coherence.</summary>
    public required MeanSd SavingsVsNoCoherence { get; init; }

    /// <summary>The hit rate.</summary>
    public required MeanSd HitRate { get; init; }

    /// <summary>Synchronization tokens (fetches and signals).</summary>
    public required MeanSd SyncTokens { get; init; }

    /// <summary>Everything the fleet paid.</summary>
    public required MeanSd CoherentTokens { get; init; }

    /// <summary>The broadcast baseline.</summary>
    public required MeanSd BroadcastTokens { get; init; }

    /// <summary>Signals applied.</summary>
    public required MeanSd SignalsApplied { get; init; }

    /// <summary>Tokens of applied signals.</summary>
    public required MeanSd SignalTokens { get; init; }

    /// <summary>Stale reads.</summary>
    public required MeanSd StaleReads { get; init; }

    /// <summary>Ticks behind, summed over stale reads.</summary>
    public required MeanSd StaleTicks { get; init; }

    /// <summary>Agent-level retries.</summary>
    public required MeanSd Retries { get; init; }

    /// <summary>Reclaims by the sweep.</summary>
    public required MeanSd Reclaims { get; init; }

    /// <summary>Refusals by reason, mean per run.</summary>
    public required IReadOnlyDictionary<string, double> Refusals { get; init; }

    /// <summary>The theorem's lower bound for the workload.</summary>
    public required double LowerBound { get; init; }

    /// <summary>Runs that broke an invariant.</summary>
    public required int Violations { get; init; }

    /// <summary>Every run, in seed order.</summary>
    public required IReadOnlyList<SimulationResult> Runs { get; init; }

    /// <summary>Summarizes runs of one workload and strategy.</summary>
    public static SimulationSummary From(IReadOnlyList<SimulationResult> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count == 0)
        {
            throw new CoherenceArgumentException(nameof(runs), "A summary needs at least one run.");
        }

        MeanSd Of(Func<SimulationMeasures, double> pick) => MeanSd.Of(runs.Select(r => pick(r.Measures)));
        var reasons = runs.SelectMany(r => r.Measures.Refusals.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        return new SimulationSummary
        {
            Workload = runs[0].Workload,
            Strategy = runs[0].Strategy,
            Seeds = runs.Select(r => r.Seed).ToList(),
            SavingsVsBroadcast = Of(m => m.SavingsVsBroadcast),
            SavingsVsBroadcastFull = Of(m => m.SavingsVsBroadcastFull),
            SavingsVsBroadcastAsPaper = Of(m => m.SavingsVsBroadcastAsPaper),
            RefetchTokens = Of(m => m.RefetchTokens),
            SavingsVsNoCoherence = Of(m => m.SavingsVsNoCoherence),
            HitRate = Of(m => m.HitRate),
            SyncTokens = Of(m => m.SyncTokens),
            CoherentTokens = Of(m => m.CoherentTokens),
            BroadcastTokens = Of(m => m.BroadcastTokens),
            SignalsApplied = Of(m => m.SignalsApplied),
            SignalTokens = Of(m => m.SignalTokens),
            StaleReads = Of(m => m.StaleReads),
            StaleTicks = Of(m => m.StaleTicks),
            Retries = Of(m => m.Retries),
            Reclaims = Of(m => m.Reclaims),
            Refusals = new SortedDictionary<string, double>(
                reasons.ToDictionary(r => r, r => Math.Round(runs.Average(x => (double)x.Measures.Refusals.GetValueOrDefault(r)), 6), StringComparer.Ordinal),
                StringComparer.Ordinal),
            LowerBound = Math.Round(runs[0].Measures.LowerBound, 6),
            Violations = runs.Count(r => r.Violation is not null),
            Runs = runs,
        };
    }
}

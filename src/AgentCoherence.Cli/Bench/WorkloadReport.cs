namespace AgentCoherence.Cli.Bench;

/// <summary>One agent's figures in a workload run.</summary>
internal sealed record AgentLine(string Agent, long Reads, long Hits, long Misses, long Commits, long SignalsReceived, long SignalTokens, long TokensWithoutSignals);

/// <summary>The reference method recomputed from our op counts: wrapped size on the coherent side, no signals.</summary>
internal sealed record ReferenceMethodFigures(int WrappedTokens, long CoherentTokens, double Savings);

/// <summary>The figures published for the workload.</summary>
internal sealed record PublishedFigures(double HitRate, double Savings);

/// <summary>
/// The token report of one workload run. Savings are fractions of the no-coherence baseline
/// (1 − coherent / baseline).
/// </summary>
internal sealed record WorkloadReport(
    string Id,
    string Name,
    string Description,
    int ContentTokens,
    long Reads,
    long Writes,
    long Hits,
    long Misses,
    double HitRate,
    long SignalsPublished,
    long Signals,
    long SignalTokens,
    long BaselineTokens,
    long CoherentTokensWithoutSignals,
    double SavingsWithoutSignals,
    long CoherentTokensWithSignals,
    double SavingsWithSignals,
    ReferenceMethodFigures ReferenceMethod,
    PublishedFigures Published,
    IReadOnlyList<AgentLine> Agents)
{
    /// <summary>Builds the report from the agents' own statistics.</summary>
    public static WorkloadReport From(WorkloadDefinition workload, IReadOnlyList<(string Agent, AgentStats Stats)> agents, long signalsPublished)
    {
        ArgumentNullException.ThrowIfNull(workload);
        ArgumentNullException.ThrowIfNull(agents);
        long reads = 0, hits = 0, misses = 0, commits = 0, signals = 0, signalTokens = 0, coherent = 0;
        var lines = new List<AgentLine>(agents.Count);
        foreach (var (agent, s) in agents)
        {
            reads += s.Reads;
            hits += s.Hits;
            misses += s.Misses;
            commits += s.Commits;
            signals += s.SignalsReceived;
            signalTokens += s.SignalTokens;
            coherent += s.TokensWithoutSignals;
            lines.Add(new AgentLine(agent, s.Reads, s.Hits, s.Misses, s.Commits, s.SignalsReceived, s.SignalTokens, s.TokensWithoutSignals));
        }

        if (reads != workload.Reads || commits != workload.Writes)
        {
            throw new InvalidOperationException(
                $"Workload '{workload.Id}' declares {workload.Reads} reads and {workload.Writes} writes, but the agents report {reads} and {commits}.");
        }

        // No coherence: every read and every write moves the whole content.
        var baseline = (long)(workload.Reads + workload.Writes) * workload.ContentTokens;
        var withSignals = coherent + signalTokens;

        // The published method: same op counts, JSON-wrapped size for every content transfer on the
        // coherent side (writes and misses), 1 per hit, signals left out.
        var reference = ((commits + misses) * workload.WrappedTokens) + hits;

        return new WorkloadReport(
            workload.Id,
            workload.Name,
            workload.Description,
            workload.ContentTokens,
            reads,
            commits,
            hits,
            misses,
            reads == 0 ? 0 : (double)hits / reads,
            signalsPublished,
            signals,
            signalTokens,
            baseline,
            coherent,
            Savings(coherent, baseline),
            withSignals,
            Savings(withSignals, baseline),
            new ReferenceMethodFigures(workload.WrappedTokens, reference, Savings(reference, baseline)),
            new PublishedFigures(workload.PublishedHitRate, workload.PublishedSavings),
            lines);
    }

    private static double Savings(long coherent, long baseline) => baseline == 0 ? 0 : 1 - ((double)coherent / baseline);
}

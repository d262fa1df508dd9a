namespace AgentCoherence.Cli.Bench;

/// <summary>What one step of a workload does.</summary>
internal enum WorkloadOpKind
{
    /// <summary><see cref="CoherentAgent.ReadAsync(string, CancellationToken)"/>.</summary>
    Read,

    /// <summary><see cref="CoherentAgent.WriteAsync(string, string, CancellationToken)"/>: acquire, commit, release.</summary>
    Write,
}

/// <summary>One step: an agent reads or writes an artifact.</summary>
internal readonly record struct WorkloadOp(string Agent, WorkloadOpKind Kind, string Artifact);

/// <summary>
/// A reference workload: a deterministic op sequence over artifacts of one declared size, and the
/// published figures for it (which charge a JSON-wrapped size on the coherent side and leave signals out).
/// </summary>
internal sealed record WorkloadDefinition(
    string Id,
    string Name,
    string Description,
    int ContentTokens,
    int WrappedTokens,
    double PublishedHitRate,
    double PublishedSavings,
    IReadOnlyList<WorkloadOp> Ops)
{
    public int Reads => Ops.Count(o => o.Kind == WorkloadOpKind.Read);

    public int Writes => Ops.Count(o => o.Kind == WorkloadOpKind.Write);

    /// <summary>The agents, in order of first appearance.</summary>
    public IReadOnlyList<string> Agents => Ops.Select(o => o.Agent).Distinct(StringComparer.Ordinal).ToList();
}

/// <summary>
/// The three reference workloads of the token report, and the runner that plays them through real
/// <see cref="CoherentAgent"/>s on the in-memory stack (lazy strategy) and does the accounting:
/// a write and a miss pay the content's tokens, a hit pays 1, a signal pays its measured
/// <c>o200k_base</c> tokens; the no-coherence baseline pays the content on every read and write.
/// Content sizes are declared (<see cref="DeclaredSizeTokenCounter"/>), not tokenized.
/// </summary>
internal static class TokenWorkloads
{
    /// <summary>Planning: the planner writes the plan; three agents each read it 4 times.</summary>
    public static WorkloadDefinition Planning { get; } = new(
        "planning",
        "Planning",
        "planner writes plan; researcher, executor, reviewer each read it 4×",
        ContentTokens: 320,
        WrappedTokens: 323,
        PublishedHitRate: 0.75,
        PublishedSavings: 0.687,
        Build(ops =>
        {
            ops.Write("planner", "plan");
            foreach (var agent in new[] { "researcher", "executor", "reviewer" })
            {
                ops.Read(agent, "plan", 4);
            }
        }));

    /// <summary>Code review: three reviewers layer reviews over a codebase.</summary>
    public static WorkloadDefinition CodeReview { get; } = new(
        "code-review",
        "Code review",
        "setup writes codebase; A reads it 3× and writes review_a; B reads codebase 3×, review_a 2×, writes review_b; "
            + "synthesizer reads codebase 3×, review_a 2×, review_b 2×, writes final",
        ContentTokens: 280,
        WrappedTokens: 283,
        PublishedHitRate: 0.60,
        PublishedSavings: 0.467,
        Build(ops =>
        {
            ops.Write("setup", "codebase");
            ops.Read("a", "codebase", 3);
            ops.Write("a", "review_a");
            ops.Read("b", "codebase", 3);
            ops.Read("b", "review_a", 2);
            ops.Write("b", "review_b");
            ops.Read("synthesizer", "codebase", 3);
            ops.Read("synthesizer", "review_a", 2);
            ops.Read("synthesizer", "review_b", 2);
            ops.Write("synthesizer", "final");
        }));

    /// <summary>High churn: four agents in turn read a shared state twice and overwrite it.</summary>
    public static WorkloadDefinition HighChurn { get; } = new(
        "high-churn",
        "High churn",
        "setup writes state; a, b, c, d in turn each read it 2× then overwrite it",
        ContentTokens: 250,
        WrappedTokens: 257,
        PublishedHitRate: 0.50,
        PublishedSavings: 0.287,
        Build(ops =>
        {
            ops.Write("setup", "state");
            foreach (var agent in new[] { "a", "b", "c", "d" })
            {
                ops.Read(agent, "state", 2);
                ops.Write(agent, "state");
            }
        }));

    /// <summary>The three workloads, in report order.</summary>
    public static IReadOnlyList<WorkloadDefinition> All { get; } = [Planning, CodeReview, HighChurn];

    /// <summary>Runs every workload, each on a fresh in-memory stack.</summary>
    public static async Task<IReadOnlyList<WorkloadReport>> RunAllAsync(CancellationToken cancellationToken = default)
    {
        var reports = new List<WorkloadReport>(All.Count);
        foreach (var workload in All)
        {
            reports.Add(await RunAsync(workload, cancellationToken));
        }

        return reports;
    }

    /// <summary>Plays one workload through real agents and accounts for it.</summary>
    public static async Task<WorkloadReport> RunAsync(WorkloadDefinition workload, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workload);
        var options = new CoherenceOptions();
        options.Cache.Strategy = CacheStrategy.Lazy;
        options.CrashRecovery.Enabled = false;
        var bus = new CountingEventBus(new InMemoryEventBus());
        await using var client = new CoherenceClient(
            new InMemoryDirectoryStore(),
            bus,
            options,
            tokenCounter: new DeclaredSizeTokenCounter(workload.ContentTokens));

        // Every agent lives for the whole run, so a writer that moved on still receives the signal
        // when a later commit invalidates its copy.
        var agents = workload.Agents.ToDictionary(
            id => id,
            id => client.Agent(id, new AgentOptions { Strategy = CacheStrategy.Lazy, SendHeartbeats = false }),
            StringComparer.Ordinal);
        var revisions = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var op in workload.Ops)
        {
            var agent = agents[op.Agent];
            if (op.Kind == WorkloadOpKind.Read)
            {
                await agent.ReadAsync(op.Artifact, cancellationToken);
            }
            else
            {
                var revision = revisions[op.Artifact] = revisions.GetValueOrDefault(op.Artifact) + 1;
                await agent.WriteAsync(op.Artifact, $"{op.Artifact} revision {revision} by {op.Agent} (synthetic, {workload.ContentTokens} declared tokens)", cancellationToken);
            }
        }

        var stats = agents.Values.Select(a => (a.Id.Value, a.Stats)).ToList();
        return WorkloadReport.From(workload, stats, bus.Published);
    }

    private static List<WorkloadOp> Build(Action<OpBuilder> build)
    {
        var builder = new OpBuilder();
        build(builder);
        return builder.Ops;
    }

    private sealed class OpBuilder
    {
        public List<WorkloadOp> Ops { get; } = [];

        public void Write(string agent, string artifact) => Ops.Add(new WorkloadOp(agent, WorkloadOpKind.Write, artifact));

        public void Read(string agent, string artifact, int times)
        {
            for (var i = 0; i < times; i++)
            {
                Ops.Add(new WorkloadOp(agent, WorkloadOpKind.Read, artifact));
            }
        }
    }
}

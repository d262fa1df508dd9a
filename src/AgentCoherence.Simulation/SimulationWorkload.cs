namespace AgentCoherence.Simulation;

/// <summary>
/// What a simulated fleet does, as data: its agents, how many ticks it runs, its artifacts and their sizes, and
/// either the probabilities that drive each agent every tick or a fixed script of steps. One tick is one
/// simulated second; crash recovery, leases and access counts are set in ticks.
/// </summary>
public sealed record SimulationWorkload
{
    /// <summary>The workload's name, as results report it.</summary>
    public required string Name { get; init; }

    /// <summary>The agents' names; each agent runs in its own simulated process (its own client).</summary>
    public required IReadOnlyList<string> AgentNames { get; init; }

    /// <summary>How many ticks the run lasts (the paper's S).</summary>
    public required int Ticks { get; init; }

    /// <summary>The shared artifacts.</summary>
    public required IReadOnlyList<SimulatedArtifact> Artifacts { get; init; }

    /// <summary>The probability that an agent acts in a tick (the paper's access probability).</summary>
    public double AccessProbability { get; init; } = 0.75;

    /// <summary>The probability that an action is a write (the paper's write volatility V); otherwise it is a read.</summary>
    public double WriteProbability { get; init; } = 0.1;

    /// <summary>The share of writes made as compare-and-set (<c>WriteCasAsync</c>) instead of under the grant.</summary>
    public double CasShare { get; init; }

    /// <summary>A grant write holds its grant for up to this many ticks before it commits (0: in the same tick).</summary>
    public int MaxGrantHoldTicks { get; init; }

    /// <summary>Which artifacts each agent touches, by agent name; an agent not listed touches every artifact.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? Access { get; init; }

    /// <summary>
    /// Every artifact exists at version 1 before the first tick (written by a setup agent that then leaves; its
    /// writes are not counted), as in the paper's simulator. Otherwise the first write creates each artifact, and
    /// reads before it find nothing (and move no content).
    /// </summary>
    public bool PreCreate { get; init; }

    /// <summary>A fixed script, one step per tick; when set, the probabilities are not used and <see cref="Ticks"/> is the script's length.</summary>
    public IReadOnlyList<ScriptedStep>? Script { get; init; }

    /// <summary>Silence, in ticks, after which the sweep reclaims an agent's grant (<c>CrashRecovery:HeartbeatTimeout</c>).</summary>
    public int HeartbeatTimeoutTicks { get; init; } = 3;

    /// <summary>The longest a grant may be held, in ticks (<c>CrashRecovery:MaxHold</c>).</summary>
    public int MaxHoldTicks { get; init; } = 20;

    /// <summary>The <c>Lease</c> strategy's time to live, in ticks (<c>Cache:LeaseTtl</c>; the paper's lease uses 10).</summary>
    public int LeaseTtlTicks { get; init; } = 10;

    /// <summary>The <c>AccessCount</c> strategy's hits per validation (<c>Cache:AccessCount</c>; the paper's uses 6).</summary>
    public int AccessCountLimit { get; init; } = 6;

    /// <summary>The artifacts <paramref name="agent"/> touches.</summary>
    public IReadOnlyList<SimulatedArtifact> ArtifactsOf(string agent)
    {
        if (Access is null || !Access.TryGetValue(agent, out var names))
        {
            return Artifacts;
        }

        return Artifacts.Where(a => names.Contains(a.Name, StringComparer.Ordinal)).ToList();
    }

    /// <summary>The number of ticks the run lasts: the script's length when there is one.</summary>
    public int EffectiveTicks => Script?.Count ?? Ticks;

    /// <summary>
    /// The expected number of writes per artifact over the run (the paper's W(d)): ticks × agents × access probability ×
    /// V ÷ artifacts for a probabilistic workload (each agent's share divided over the artifacts it touches), the
    /// script's mean writes per artifact for a scripted one.
    /// </summary>
    public double ExpectedWritesPerArtifact()
    {
        if (Script is { } script)
        {
            return Artifacts.Count == 0 ? 0 : (double)script.Count(s => s.Write) / Artifacts.Count;
        }

        var perAgent = Ticks * AccessProbability * WriteProbability;
        return Artifacts.Count == 0 ? 0 : perAgent * AgentNames.Count / Artifacts.Count;
    }

    /// <summary>
    /// The Token Coherence Theorem's lower bound on savings against full-state broadcast: lazy invalidation costs at
    /// most (n + W(d)) / S of broadcast, so savings are at least 1 − (n + W(d)) / S (0 when S ≤ n + W(d), where the
    /// theorem says nothing).
    /// </summary>
    public double TheoremLowerBound()
    {
        var ticks = (double)EffectiveTicks;
        var cost = AgentNames.Count + ExpectedWritesPerArtifact();
        return ticks > cost ? 1 - (cost / ticks) : 0;
    }

    /// <summary>Checks the workload and throws a <see cref="CoherenceArgumentException"/> naming what is wrong.</summary>
    public void Validate()
    {
        static void Fail(string name, string message) => throw new CoherenceArgumentException(name, message);
        if (string.IsNullOrWhiteSpace(Name))
        {
            Fail(nameof(Name), "A workload needs a name.");
        }

        if (AgentNames is null || AgentNames.Count == 0 || AgentNames.Count > 1_000)
        {
            Fail(nameof(AgentNames), "A workload needs 1 to 1,000 agents.");
        }

        if (AgentNames!.Distinct(StringComparer.Ordinal).Count() != AgentNames!.Count)
        {
            Fail(nameof(AgentNames), "Agent names must be distinct.");
        }

        foreach (var agent in AgentNames)
        {
            _ = new AgentId(agent);
        }

        if (Artifacts is null || Artifacts.Count == 0 || Artifacts.Count > 10_000)
        {
            Fail(nameof(Artifacts), "A workload needs 1 to 10,000 artifacts.");
        }

        if (Artifacts!.Select(a => a.Name).Distinct(StringComparer.Ordinal).Count() != Artifacts!.Count)
        {
            Fail(nameof(Artifacts), "Artifact names must be distinct.");
        }

        foreach (var artifact in Artifacts)
        {
            _ = new ArtifactKey(ArtifactKey.DefaultNamespace, artifact.Name);
            if (artifact.SizeTokens is < 1 or > 10_000_000)
            {
                Fail(nameof(Artifacts), $"Artifact '{artifact.Name}' declares {artifact.SizeTokens} tokens; sizes are 1 to 10,000,000.");
            }
        }

        if (Script is null && Ticks is < 1 or > 1_000_000)
        {
            Fail(nameof(Ticks), $"Ticks must be 1 to 1,000,000 (got {Ticks}).");
        }

        if (AccessProbability is < 0 or > 1 or double.NaN || WriteProbability is < 0 or > 1 or double.NaN || CasShare is < 0 or > 1 or double.NaN)
        {
            Fail(nameof(WriteProbability), "AccessProbability, WriteProbability and CasShare are probabilities: 0 to 1.");
        }

        if (MaxGrantHoldTicks < 0 || HeartbeatTimeoutTicks < 2 || MaxHoldTicks < 1 || LeaseTtlTicks < 1 || AccessCountLimit < 1)
        {
            Fail(nameof(HeartbeatTimeoutTicks), "MaxGrantHoldTicks must be at least 0, HeartbeatTimeoutTicks at least 2, MaxHoldTicks, LeaseTtlTicks and AccessCountLimit at least 1.");
        }

        foreach (var step in Script ?? [])
        {
            if (!AgentNames.Contains(step.Agent, StringComparer.Ordinal) || !Artifacts.Any(a => a.Name == step.Artifact))
            {
                Fail(nameof(Script), $"A scripted step names agent '{step.Agent}' and artifact '{step.Artifact}'; both must be declared.");
            }
        }
    }

    /// <summary>
    /// The paper's configuration (arXiv 2603.15183, §8, and its reproduction scenarios): 4 agents, 40 ticks, access
    /// probability 0.75, three artifacts of 4,096 tokens (<c>plan.md</c>, <c>design.md</c>, <c>state.json</c>), every
    /// agent touching every artifact, at write volatility <paramref name="volatility"/>.
    /// </summary>
    public static SimulationWorkload Paper(double volatility) => new()
    {
        Name = FormattableString.Invariant($"paper-v{volatility:0.00}"),
        AgentNames = ["agent-0", "agent-1", "agent-2", "agent-3"],
        Ticks = 40,
        Artifacts = [new("plan.md", 4096), new("design.md", 4096), new("state.json", 4096)],
        AccessProbability = 0.75,
        WriteProbability = volatility,
        PreCreate = true,
    };

    /// <summary>The volatilities of the paper's table: 0.05, 0.10, 0.25, 0.50 and 0.90.</summary>
    public static IReadOnlyList<double> PaperVolatilities { get; } = [0.05, 0.10, 0.25, 0.50, 0.90];

    /// <summary><c>bench tokens</c>' planning workload: the planner writes the plan (320 tokens); three agents each read it 4 times.</summary>
    public static SimulationWorkload BenchPlanning { get; } = Scripted("bench-planning", 320, s =>
    {
        s.Add(new("planner", true, "plan"));
        foreach (var agent in new[] { "researcher", "executor", "reviewer" })
        {
            Repeat(s, agent, "plan", 4);
        }
    });

    /// <summary><c>bench tokens</c>' code-review workload: three reviewers layer reviews over a codebase (280 tokens each).</summary>
    public static SimulationWorkload BenchCodeReview { get; } = Scripted("bench-code-review", 280, s =>
    {
        s.Add(new("setup", true, "codebase"));
        Repeat(s, "a", "codebase", 3);
        s.Add(new("a", true, "review_a"));
        Repeat(s, "b", "codebase", 3);
        Repeat(s, "b", "review_a", 2);
        s.Add(new("b", true, "review_b"));
        Repeat(s, "synthesizer", "codebase", 3);
        Repeat(s, "synthesizer", "review_a", 2);
        Repeat(s, "synthesizer", "review_b", 2);
        s.Add(new("synthesizer", true, "final"));
    });

    /// <summary><c>bench tokens</c>' high-churn workload: four agents in turn read a shared state (250 tokens) twice and overwrite it.</summary>
    public static SimulationWorkload BenchHighChurn { get; } = Scripted("bench-high-churn", 250, s =>
    {
        s.Add(new("setup", true, "state"));
        foreach (var agent in new[] { "a", "b", "c", "d" })
        {
            Repeat(s, agent, "state", 2);
            s.Add(new(agent, true, "state"));
        }
    });

    /// <summary>The built-in workloads by name: <c>paper</c> (V = 0.10), <c>bench-planning</c>, <c>bench-code-review</c>, <c>bench-high-churn</c>.</summary>
    /// <remarks>
    /// Also <c>paper-v0.25</c> (the paper's configuration at that volatility) and <c>fuzz-N</c> (the explorer's fleet at seed N),
    /// the names results and reproduction commands carry.
    /// </remarks>
    public static SimulationWorkload? Named(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.StartsWith("paper-v", StringComparison.Ordinal)
            && double.TryParse(name.AsSpan(7), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) && v is >= 0 and <= 1)
        {
            return Paper(v);
        }

        if (name.StartsWith("fuzz-", StringComparison.Ordinal)
            && int.TryParse(name.AsSpan(5), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var seed))
        {
            return Simulator.FuzzFleet(seed).Workload;
        }

        return name switch
        {
            "paper" => Paper(0.10),
            "bench-planning" => BenchPlanning,
            "bench-code-review" => BenchCodeReview,
            "bench-high-churn" => BenchHighChurn,
            _ => null,
        };
    }

    private static SimulationWorkload Scripted(string name, int tokens, Action<List<ScriptedStep>> build)
    {
        var steps = new List<ScriptedStep>();
        build(steps);
        return new SimulationWorkload
        {
            Name = name,
            AgentNames = steps.Select(s => s.Agent).Distinct(StringComparer.Ordinal).ToList(),
            Ticks = steps.Count,
            Artifacts = steps.Select(s => s.Artifact).Distinct(StringComparer.Ordinal).Select(a => new SimulatedArtifact(a, tokens)).ToList(),
            Script = steps,
        };
    }

    private static void Repeat(List<ScriptedStep> steps, string agent, string artifact, int times)
    {
        for (var i = 0; i < times; i++)
        {
            steps.Add(new(agent, false, artifact));
        }
    }
}

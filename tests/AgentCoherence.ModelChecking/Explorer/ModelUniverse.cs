using AgentCoherence.Protocol;

namespace AgentCoherence.ModelChecking.Explorer;

/// <summary>The fixed cast of one exploration: the agents, the artifacts, the start of time and the one content every commit writes.</summary>
internal sealed class ModelUniverse
{
    /// <summary>Time zero of the abstract clock.</summary>
    public static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public ModelUniverse(ExplorerBounds bounds)
    {
        ArgumentNullException.ThrowIfNull(bounds);
        if (bounds.Agents < 1 || bounds.Artifacts < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(bounds), "The model needs at least one agent and one artifact.");
        }

        Bounds = bounds;
        Agents = Enumerable.Range(0, bounds.Agents).Select(i => new AgentId(ModelOperation.AgentName(i))).ToArray();
        Artifacts = Enumerable.Range(0, bounds.Artifacts).Select(i => new ArtifactKey("mc", ModelOperation.ArtifactName(i))).ToArray();
    }

    public ExplorerBounds Bounds { get; }

    public IReadOnlyList<AgentId> Agents { get; }

    public IReadOnlyList<ArtifactKey> Artifacts { get; }

    /// <summary>Content does not influence the protocol, so every commit writes the same bytes.</summary>
    public ContentPayload Content { get; } = ContentPayload.Create("x"u8, sizeTokens: 1);

    /// <summary>Every agent registered with a heartbeat at t0, no records.</summary>
    public ModelState InitialState(CoherenceRules rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var directory = new DirectoryState();
        foreach (var agent in Agents)
        {
            rules.Register(directory, agent, T0);
        }

        return new ModelState(directory, T0);
    }

    /// <summary>The whole number of clock steps from <paramref name="then"/> to <paramref name="now"/>, capped at <paramref name="cap"/>.</summary>
    public static int CappedAge(DateTimeOffset now, DateTimeOffset then, int cap)
    {
        var steps = (now - then).Ticks / ExplorerBounds.Step.Ticks;
        return steps >= cap ? cap : (int)steps;
    }
}

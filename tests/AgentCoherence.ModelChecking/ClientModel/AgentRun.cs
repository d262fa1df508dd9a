namespace AgentCoherence.ModelChecking.ClientModel;

/// <summary>One real <see cref="CoherentAgent"/> in the model, with its script and what the explorer tracks about it.</summary>
internal sealed class AgentRun(string name, CoherenceClient client, CoherentAgent agent, ScriptStep[] script)
{
    public string Name { get; } = name;

    public CoherenceClient Client { get; } = client;

    public CoherentAgent Agent { get; } = agent;

    public AgentId Id => Agent.Id;

    public ScriptStep[] Script { get; } = script;

    /// <summary>Index of the next scripted operation.</summary>
    public int Next { get; set; }

    /// <summary>The running scripted operation, if any.</summary>
    public Chain? Operation { get; set; }

    /// <summary>Eager refreshes with a call still held.</summary>
    public List<Chain> Refreshes { get; } = [];

    public int OperationsStarted { get; set; }

    public int RefreshesStarted { get; set; }

    /// <summary>The version of the last view a scripted read returned: what a Cas expects.</summary>
    public long? LastRead { get; set; }

    /// <summary>Every signal delivered to this agent, in order (applied or dropped).</summary>
    public List<InvalidationSignal> Delivered { get; } = [];

    /// <summary>Versions this agent's own writes created, with the owner epoch each landed at.</summary>
    public Dictionary<long, long> OwnVersions { get; } = [];

    /// <summary>True from the store forgetting the agent until it registers again.</summary>
    public bool Forgotten { get; set; }

    /// <summary>The highest (version, epoch) delivered, or null.</summary>
    public (long Version, long Epoch)? HighestDelivered()
    {
        (long Version, long Epoch)? best = null;
        foreach (var s in Delivered)
        {
            if (best is not { } b || s.NewVersion > b.Version || (s.NewVersion == b.Version && s.OwnerEpoch > b.Epoch))
            {
                best = (s.NewVersion, s.OwnerEpoch);
            }
        }

        return best;
    }
}

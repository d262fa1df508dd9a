namespace AgentCoherence.ModelChecking.ClientModel;

/// <summary>
/// A sequence of store calls that one piece of client code makes one after the other: an agent's
/// scripted operation, or an eager agent's background refresh. At most one of its calls is held at a time.
/// What it was told so far (<see cref="History"/>) is where its code stands, so it is part of the state.
/// </summary>
internal sealed class Chain(AgentRun agent, ScriptStep? step, int number)
{
    public AgentRun Agent { get; } = agent;

    /// <summary>The scripted operation; null for a refresh.</summary>
    public ScriptStep? Step { get; } = step;

    public int Number { get; } = number;

    /// <summary>The operation's task (scripted operations only).</summary>
    public Task<ArtifactView>? Task { get; set; }

    /// <summary>Each call made and what the client was told, in order.</summary>
    public List<string> History { get; } = [];

    /// <summary>Replies and requests lost on this chain.</summary>
    public int Losses { get; set; }

    /// <summary>Calls made.</summary>
    public int Calls { get; set; }

    /// <summary>Versions this operation's writes created at the store (fresh applications, not replays), with the epoch they landed at.</summary>
    public List<(long Version, long Epoch)> Landed { get; } = [];

    /// <summary>Signals a landed write produced that are not on the bus yet.</summary>
    public List<InvalidationSignal> Owed { get; } = [];

    /// <summary>The owner epoch the write is derived at (see <see cref="ClientInvariant.NoStaleApply"/>); null when the agent had no read epoch.</summary>
    public long? Baseline { get; set; }

    /// <summary>The store forgot the agent while this chain ran: its fence went with it, so NoStaleApply does not apply.</summary>
    public bool Forgotten { get; set; }

    public string Name => Step is { } s ? $"{Agent.Name}.{s}#{Number}" : $"{Agent.Name}.refresh#{Number}";
}

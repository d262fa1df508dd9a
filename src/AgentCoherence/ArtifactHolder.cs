using AgentCoherence.Protocol;

namespace AgentCoherence;

/// <summary>One agent's view of an artifact, as the store records it: part of an <see cref="ArtifactStatus"/>.</summary>
public sealed class ArtifactHolder
{
    internal ArtifactHolder(AgentId agent, HolderState state, long viewVersion, long? readEpoch, DateTimeOffset? grantedAt, ReclaimInfo? lastReclaim)
    {
        Agent = agent;
        State = state;
        ViewVersion = viewVersion;
        ReadEpoch = readEpoch;
        GrantedAt = grantedAt;
        LastReclaim = lastReclaim;
    }

    /// <summary>The agent.</summary>
    public AgentId Agent { get; }

    /// <summary>
    /// The agent's MESI state: <see cref="HolderState.Modified"/> or <see cref="HolderState.Exclusive"/> while it holds
    /// the write grant, <see cref="HolderState.Shared"/> with a read view, <see cref="HolderState.Invalid"/> after a peer's
    /// commit or a reclamation.
    /// </summary>
    public HolderState State { get; }

    /// <summary>True while the agent holds the write grant (state E or M).</summary>
    public bool HoldsGrant => State.HoldsGrant();

    /// <summary>The version the agent last observed (read, acquired or committed).</summary>
    public long ViewVersion { get; }

    /// <summary>The owner epoch the agent's own last read or acquire captured; null when it did neither.</summary>
    public long? ReadEpoch { get; }

    /// <summary>When the agent took the write grant it holds; null when it holds none.</summary>
    public DateTimeOffset? GrantedAt { get; }

    /// <summary>The last time the sweep took this agent's grant away, if it ever did.</summary>
    public ReclaimInfo? LastReclaim { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Agent}:{State.Letter()} v{ViewVersion}";

    internal static ArtifactHolder From(AgentId agent, HolderEntry entry) =>
        new(agent, entry.State, entry.ViewVersion, entry.ReadEpoch, entry.GrantedAt, entry.LastReclaim);
}

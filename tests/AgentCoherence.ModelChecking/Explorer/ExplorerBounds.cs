using AgentCoherence.Protocol;

namespace AgentCoherence.ModelChecking.Explorer;

/// <summary>
/// The finite slice of the protocol the explorer walks: how many agents and artifacts, and the caps
/// that keep the state space finite. States beyond a cap are counted as pruned, not explored.
/// </summary>
/// <param name="Agents">Agents a1..aN, all registered at t0.</param>
/// <param name="Artifacts">Artifacts art0..art(N-1), none existing at t0.</param>
/// <param name="MaxVersion">No step may take a version above this.</param>
/// <param name="MaxEpoch">
/// When set, the owner epoch is part of the state key and states whose epoch exceeds it are not explored.
/// When null (the default) the key keeps read epochs only relative to the owner epoch, which is exact and
/// finite on its own, so epochs are explored without any cap.
/// </param>
/// <param name="CollapseSymmetry">
/// Agents are interchangeable, and so are artifacts (the rules only compare ids and keys for equality),
/// so states that differ only by a renaming behave alike; when true the canonical key is the least
/// encoding over all renamings, and one state per renaming class is explored.
/// </param>
/// <param name="MaxStates">A safety stop: exploration gives up (and says so) past this many states.</param>
internal sealed record ExplorerBounds(
    int Agents,
    int Artifacts,
    int MaxVersion = 4,
    int? MaxEpoch = null,
    bool CollapseSymmetry = false,
    int MaxStates = 5_000_000)
{
    /// <summary>One tick of the abstract clock.</summary>
    public static readonly TimeSpan Step = TimeSpan.FromMinutes(1);

    /// <summary>The sweep reclaims a grant whose holder has been silent this many steps.</summary>
    public const int HeartbeatTimeoutSteps = 2;

    /// <summary>The sweep reclaims a grant held this many steps, heartbeats or not.</summary>
    public const int MaxHoldSteps = 3;

    /// <summary>The sweep policy of the model: no pruning, so the holder entries stay finite and exact.</summary>
    public static SweepPolicy Policy { get; } = new(Step * HeartbeatTimeoutSteps, Step * MaxHoldSteps, PruneSilentAfter: null);

    /// <inheritdoc />
    public override string ToString() =>
        $"{Agents} agent(s) x {Artifacts} artifact(s), versions <= {MaxVersion}, {(MaxEpoch is { } cap ? $"epochs <= {cap}" : "epochs unbounded (relative)")}{(CollapseSymmetry ? ", symmetry collapsed" : string.Empty)}";
}

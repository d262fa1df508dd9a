using AgentCoherence.ModelChecking.Explorer;
using AgentCoherence.Protocol;

namespace AgentCoherence.ModelChecking;

/// <summary>The state key merges exactly the states that behave alike.</summary>
public sealed class CanonicalEncoderTests
{
    private static readonly ModelUniverse TwoAgents = new(new ExplorerBounds(Agents: 2, Artifacts: 1));

    [Fact]
    public void Heartbeat_ages_past_the_timeout_share_one_key()
    {
        var encoder = new CanonicalEncoder(TwoAgents);

        var silentFor1 = Walk(ModelOperation.Tick);
        var silentFor2 = Walk(ModelOperation.Tick, ModelOperation.Tick);
        var silentFor5 = Walk(ModelOperation.Tick, ModelOperation.Tick, ModelOperation.Tick, ModelOperation.Tick, ModelOperation.Tick);

        Assert.Equal(encoder.Encode(silentFor2, collapseSymmetry: false), encoder.Encode(silentFor5, collapseSymmetry: false));
        Assert.NotEqual(encoder.Encode(silentFor1, collapseSymmetry: false), encoder.Encode(silentFor2, collapseSymmetry: false));
    }

    [Fact]
    public void Renamed_agents_share_one_key_only_when_symmetry_is_collapsed()
    {
        var encoder = new CanonicalEncoder(TwoAgents);

        var firstAcquires = Walk(new ModelOperation(ModelOperationKind.Acquire, Agent: 0, Artifact: 0));
        var secondAcquires = Walk(new ModelOperation(ModelOperationKind.Acquire, Agent: 1, Artifact: 0));

        Assert.NotEqual(encoder.Encode(firstAcquires, collapseSymmetry: false), encoder.Encode(secondAcquires, collapseSymmetry: false));
        Assert.Equal(encoder.Encode(firstAcquires, collapseSymmetry: true), encoder.Encode(secondAcquires, collapseSymmetry: true));
    }

    [Fact]
    public void An_invalidated_view_is_keyed_by_being_behind_not_by_how_far()
    {
        var encoder = new CanonicalEncoder(TwoAgents);
        var a1Reads = new ModelOperation(ModelOperationKind.Read, Agent: 0, Artifact: 0);

        var sawV1 = Walk(Cas(0), a1Reads, Cas(1), Cas(2));
        var sawV2 = Walk(Cas(0), Cas(1), a1Reads, Cas(2));

        Assert.Equal(1, sawV1.EntryOf(TwoAgents.Artifacts[0], TwoAgents.Agents[0])!.ViewVersion);
        Assert.Equal(2, sawV2.EntryOf(TwoAgents.Artifacts[0], TwoAgents.Agents[0])!.ViewVersion);
        Assert.Equal(encoder.Encode(sawV1, collapseSymmetry: false), encoder.Encode(sawV2, collapseSymmetry: false));
    }

    private static ModelOperation Cas(long expected) => new(ModelOperationKind.CommitCas, Agent: 1, Artifact: 0, Expected: expected);

    private static ModelState Walk(params ModelOperation[] steps)
    {
        var runner = new OperationRunner(CoherenceRules.Default, TwoAgents);
        var state = TwoAgents.InitialState(CoherenceRules.Default);
        foreach (var step in steps)
        {
            var (after, outcome) = runner.Run(state, step);
            Assert.False(outcome.Refused, $"{step} was refused: {outcome.Detail}");
            state = after;
        }

        return state;
    }
}

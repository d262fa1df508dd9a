using AgentCoherence.ModelChecking.Explorer;
using AgentCoherence.Protocol;

namespace AgentCoherence.ModelChecking;

/// <summary>
/// The sticky fence rule's way out, on the path where the explorer found it missing: a fenced agent
/// is refused until it re-reads, and re-reading lifts the fence even when there is nothing to read yet.
/// </summary>
public sealed class FenceRecoveryTests
{
    private static readonly ModelUniverse Universe = new(new ExplorerBounds(Agents: 2, Artifacts: 1));

    [Fact]
    public void A_creator_whose_grant_was_reclaimed_re_creates_after_re_reading()
    {
        var runner = new OperationRunner(CoherenceRules.Default, Universe);
        var state = Universe.InitialState(CoherenceRules.Default);
        var create = new ModelOperation(ModelOperationKind.CommitCas, Agent: 0, Artifact: 0, Expected: 0);

        // a1 acquires art0 to create it, then goes silent past the heartbeat timeout and is reclaimed.
        foreach (var step in new[] { new ModelOperation(ModelOperationKind.Acquire, Agent: 0, Artifact: 0), ModelOperation.Tick, ModelOperation.Tick, ModelOperation.Sweep })
        {
            state = runner.Run(state, step).After;
        }

        Assert.Equal("StaleEpoch", runner.Run(state.DeepCopy(), create).Outcome.Detail);

        var (afterRead, read) = runner.Run(state, new ModelOperation(ModelOperationKind.Read, Agent: 0, Artifact: 0));
        Assert.False(read.Refused);

        Assert.False(runner.Run(afterRead, create).Outcome.Refused);
    }
}

using AgentCoherence.ModelChecking.ClientModel;

namespace AgentCoherence.ModelChecking;

/// <summary>What the client explorer found in the client, replayed on the path where it found it.</summary>
public sealed class ClientFindingsTests
{
    /// <summary>
    /// b commits v2 under its grant; before the reply reaches b, the sweep reclaims the grant and the reclaim
    /// signal (v2, epoch 1) arrives. The reply then stored b's own v2 as a valid copy, so b's next read was a
    /// hit on a view of epoch 0 instead of a re-validation (which would also have re-armed b's fence).
    /// </summary>
    [Fact]
    public void A_reclaim_signal_that_overtakes_the_commit_reply_leaves_the_committed_copy_invalid()
    {
        var scenario = new ClientScenario(CacheStrategy.Lazy, [], [ScriptStep.Read, ScriptStep.Write, ScriptStep.Read], new ClientBounds());
        const int B = 1;
        ClientStep[] path =
        [
            new(StepKind.Start, B), new(StepKind.Apply, 1), new(StepKind.Reply, 1),    // b reads v1
            new(StepKind.Start, B), new(StepKind.Apply, 2), new(StepKind.Reply, 2),    // b acquires
            new(StepKind.Apply, 3),                                                    // b's commit of v2 lands
            new(StepKind.Sweep, 0),                                                    // b's grant is reclaimed: epoch 1
            new(StepKind.Deliver, 1),                                                  // the reclaim signal reaches b
            new(StepKind.Reply, 3),                                                    // then the commit's reply
            new(StepKind.Apply, 4), new(StepKind.Reply, 4),                            // the release (b held nothing any more)
            new(StepKind.Start, B), new(StepKind.Apply, 5), new(StepKind.Reply, 5),    // b's read goes to the store
        ];

        Assert.Null(new ClientExplorer(scenario).Replay(path));
    }
}

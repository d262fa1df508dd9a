using AgentCoherence.ModelChecking.ClientModel;
using static AgentCoherence.ModelChecking.ClientModel.ScriptStep;

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
        var scenario = new ClientScenario(CacheStrategy.Lazy, [], [Read, Write, Read], new ClientBounds());
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

    /// <summary>
    /// A known gap, not fixed here (it is in the store contract, not the client): forgetting an agent drops the
    /// operation ids the store recorded for it (CoherenceRules.Forget), so a write that landed and whose reply
    /// was lost can no longer be resolved. After re-registering, the client retries with the same id, the store
    /// checks it afresh, and the caller is told VersionConflict for a write that landed (its signals are never
    /// published). The default explorations forget an agent only between its operations.
    /// </summary>
    [Fact]
    public void Forgetting_an_agent_while_its_write_is_unresolved_loses_the_write_s_outcome()
    {
        var scenario = new ClientScenario(CacheStrategy.Lazy, [Read, Cas], [], new ClientBounds(Forgets: 1, ForgetMidOperation: true));
        const int A = 0;
        ClientStep[] path =
        [
            new(StepKind.Start, A), new(StepKind.Apply, 1), new(StepKind.Reply, 1),    // a reads v1
            new(StepKind.Start, A), new(StepKind.Apply, 2),                            // a's CommitCas(expected 1) lands: v2
            new(StepKind.LoseReply, 2),                                                // its reply is lost
            new(StepKind.Forget, A),                                                   // the store forgets a, and a's recorded ids
            new(StepKind.Apply, 3), new(StepKind.Reply, 3),                            // the retry: UnknownAgent; a registers again
            new(StepKind.Apply, 4), new(StepKind.Reply, 4),                            // the same id, checked afresh: VersionConflict
        ];

        var found = Assert.IsType<ClientCounterexample>(new ClientExplorer(scenario).Replay(path));

        Assert.Equal(ClientInvariant.LandedMeansLanded, found.Invariant);
        Assert.Equal(path.Length, found.Length);
    }
}

using AgentCoherence.ModelChecking.Explorer;
using Xunit.Abstractions;
using AgentCoherence.Protocol;

namespace AgentCoherence.ModelChecking;

/// <summary>
/// The protocol as <see cref="CoherenceRules.Default"/> implements it, explored exhaustively within
/// small bounds: no reachable state or step breaks an invariant, and the exploration really reached the
/// interesting corners (a version at the cap, a tombstone and a re-creation, reclaims by both triggers,
/// every kind of refusal), so "no violation" is not "never got there".
/// </summary>
public sealed class ExplorerTests(ITestOutputHelper output)
{
    [Fact]
    public void Two_agents_on_one_artifact_break_no_invariant()
    {
        var result = Explore(new ExplorerBounds(Agents: 2, Artifacts: 1));

        AssertCompleteWithoutViolation(result, atLeastStates: 8_000);
        AssertReclaimsExplored(result);
    }

    [Fact]
    public void Three_agents_on_one_artifact_break_no_invariant()
    {
        var result = Explore(new ExplorerBounds(Agents: 3, Artifacts: 1, CollapseSymmetry: true));

        AssertCompleteWithoutViolation(result, atLeastStates: 40_000);
        AssertReclaimsExplored(result);
    }

    /// <summary>
    /// The product of two artifacts is large (2.2 million states with unbounded epochs, minutes in Debug),
    /// so this run caps the owner epoch at 0: every reclaim is still taken and checked, in every
    /// combination of the two records, but what follows a reclaim is explored by the one-artifact runs
    /// (and by the full run below).
    /// </summary>
    [Fact]
    public void Two_agents_on_two_artifacts_break_no_invariant_up_to_the_first_reclaim()
    {
        var result = Explore(new ExplorerBounds(Agents: 2, Artifacts: 2, MaxEpoch: 0, CollapseSymmetry: true));

        AssertCompleteWithoutViolation(result, atLeastStates: 800_000);
        Assert.True(result.Coverage.EpochCapExceeded, "no reclaim was ever checked");
    }

    [FullExplorationFact]
    public void Two_agents_on_two_artifacts_break_no_invariant_with_epochs_unbounded()
    {
        var result = Explore(new ExplorerBounds(Agents: 2, Artifacts: 2, CollapseSymmetry: true));

        AssertCompleteWithoutViolation(result, atLeastStates: 2_000_000);
        AssertReclaimsExplored(result);
    }

    [Fact]
    public void Exploring_the_same_bounds_twice_reaches_the_same_states()
    {
        var bounds = new ExplorerBounds(Agents: 2, Artifacts: 1);

        var first = Explore(bounds);
        var second = Explore(bounds);

        Assert.Equal(first.States, second.States);
        Assert.Equal(first.Transitions, second.Transitions);
        Assert.Equal(first.Landed, second.Landed);
        Assert.Equal(first.MaxDepth, second.MaxDepth);
    }

    [Fact]
    public void Collapsing_symmetry_keeps_one_state_per_renaming_of_the_agents()
    {
        var full = Explore(new ExplorerBounds(Agents: 2, Artifacts: 1));
        var collapsed = Explore(new ExplorerBounds(Agents: 2, Artifacts: 1, CollapseSymmetry: true));

        // Two agents rename in two ways, so each class holds one or two of the full states.
        Assert.InRange(full.States, collapsed.States + 1, collapsed.States * 2);
        Assert.Equal(full.MaxDepth, collapsed.MaxDepth);
        Assert.Equal(full.Coverage.ToString(onlyFacts: true), collapsed.Coverage.ToString(onlyFacts: true));
    }

    [Fact]
    public void Capping_the_owner_epoch_stops_the_exploration_at_the_cap()
    {
        var capped = Explore(new ExplorerBounds(Agents: 2, Artifacts: 1, MaxEpoch: 2));

        Assert.Null(capped.Counterexample);
        Assert.Equal(2, capped.Coverage.HighestEpoch);
        Assert.True(capped.Coverage.EpochCapExceeded);
    }

    private ExplorationResult Explore(ExplorerBounds bounds)
    {
        var result = new StateSpaceExplorer(CoherenceRules.Default, bounds).Explore();
        ExplorationLog.Write(output, result);
        return result;
    }

    private static void AssertCompleteWithoutViolation(ExplorationResult result, long atLeastStates)
    {
        Assert.Null(result.Counterexample);
        Assert.False(result.Truncated);
        Assert.True(result.States >= atLeastStates, $"only {result.States} states reached");

        var reached = result.Coverage;
        Assert.Equal(result.Bounds.MaxVersion, reached.HighestVersion);
        Assert.True(reached.VersionCapExceeded, "no step ever tried to go past the version cap");
        Assert.True(reached.TombstoneReached, "no delete landed");
        Assert.True(reached.RecreatedAfterDelete, "no artifact was re-created after a delete");
        Assert.True(reached.ModifiedReached, "no grant holder committed");
        Assert.True(reached.SharedWhileOtherHoldsGrant, "no reader shared an artifact with a grant holder");
        foreach (var refusal in new[] { "VersionConflict", "ExpectedVersionAhead", "HeldByOther", "StaleView", "NotOwner", "NotFound", "NoGrant" })
        {
            Assert.True(reached.Refusals.ContainsKey(refusal), $"no {refusal} refusal was ever checked");
        }
    }

    /// <summary>The states after reclaims were explored: zombies were fenced, by both triggers, more than once.</summary>
    private static void AssertReclaimsExplored(ExplorationResult result)
    {
        var reached = result.Coverage;
        Assert.True(reached.HighestEpoch >= 2, "the owner epoch never moved twice");
        Assert.True(reached.HeartbeatReclaimReached, "the sweep never reclaimed a silent holder");
        Assert.True(reached.MaxHoldReclaimReached, "the sweep never reclaimed a grant held too long");
        Assert.True(reached.Refusals.ContainsKey("StaleEpoch"), "no zombie was ever fenced");
    }
}

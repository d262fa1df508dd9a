using AgentCoherence.ModelChecking.Explorer;
using Xunit.Abstractions;
using AgentCoherence.Internal;
using AgentCoherence.Protocol;

namespace AgentCoherence.ModelChecking;

/// <summary>
/// Each guard of the protocol is switched off in turn; the explorer must find the bug it lets in, as
/// a violation of the invariant that guard protects, with a counterexample that replays.
/// </summary>
public sealed class MutantTests(ITestOutputHelper output)
{
    private static readonly ExplorerBounds Smallest = new(Agents: 2, Artifacts: 1);

    [Fact]
    public void Without_the_version_check_a_stale_compare_and_set_loses_an_update()
    {
        AssertCaught(ProtocolGuards.VersionCheck, ModelInvariant.NoLostUpdate);
    }

    [Fact]
    public void Without_the_holder_check_two_agents_hold_the_grant_at_once()
    {
        AssertCaught(ProtocolGuards.HolderCheck, ModelInvariant.SingleWriter);
    }

    [Fact]
    public void Without_the_fence_a_reclaimed_zombie_applies_a_stale_commit()
    {
        AssertCaught(ProtocolGuards.Fence, ModelInvariant.NoStaleApply);
    }

    [Fact]
    public void Without_the_stale_view_check_a_grant_is_taken_on_an_old_view()
    {
        AssertCaught(ProtocolGuards.StaleViewCheck, ModelInvariant.ViewCurrent, ModelInvariant.NoLostUpdate);
    }

    [Fact]
    public void Without_the_single_grant_rule_a_commit_lands_without_the_grant()
    {
        AssertCaught(ProtocolGuards.SingleGrant, ModelInvariant.NoLostUpdate);
    }

    [Fact]
    public void Without_invalidation_a_peer_keeps_a_view_of_a_replaced_version()
    {
        AssertCaught(ProtocolGuards.Invalidation, ModelInvariant.ViewCurrent);
    }

    private void AssertCaught(ProtocolGuards removed, params ModelInvariant[] expected)
    {
        var rules = new CoherenceRules(ProtocolGuards.All & ~removed);
        var explorer = new StateSpaceExplorer(rules, Smallest);
        var result = explorer.Explore();
        output.WriteLine($"mutant: every guard but {removed}");
        ExplorationLog.Write(output, result);

        var counterexample = Assert.IsType<Counterexample>(result.Counterexample);
        Assert.Contains(counterexample.Invariant, expected);
        Console.WriteLine($"[model-checking] mutant {removed}: {counterexample.Invariant} after {counterexample.Length} step(s): {string.Join(" ; ", counterexample.Trace)}");

        // The counterexample is a real path: replayed from the initial state it breaks the same invariant
        // at its last step, while the unmutated rules walk the same path without a violation.
        var replayed = Assert.IsType<Counterexample>(explorer.Replay(counterexample.Trace));
        Assert.Equal(counterexample.Invariant, replayed.Invariant);
        Assert.Equal(counterexample.Length, replayed.Length);
        Assert.Null(new StateSpaceExplorer(CoherenceRules.Default, Smallest).Replay(counterexample.Trace));
    }
}

using AgentCoherence.ModelChecking.ClientModel;
using Xunit.Abstractions;
using static AgentCoherence.ModelChecking.ClientModel.ScriptStep;
using AgentCoherence.Internal;

namespace AgentCoherence.ModelChecking;

/// <summary>
/// Each fix of the client (43f810b) is undone in turn through <see cref="ClientGuards"/>; the client explorer
/// must catch the client that results, breadth-first (a shortest counterexample), as a violation of the
/// invariant the fix protects, with a counterexample that replays, and which the real client walks as far as
/// its steps exist for it without a violation.
/// </summary>
public sealed class ClientMutantTests(ITestOutputHelper output)
{
    private static readonly ClientScenario Base = new(CacheStrategy.Lazy, [Read, Cas, Read], [Read, Write, Read], new ClientBounds());

    [Fact]
    public void Resolving_a_lost_reply_by_reading_lets_a_fenced_write_land()
    {
        // The old client: read the artifact (which re-arms the agent's fence), then retry with a new id.
        AssertCaught(ClientGuards.SideEffectFreeResolution, ClientInvariant.NoStaleApply, Base);
    }

    [Fact]
    public void Retrying_with_a_fresh_operation_id_applies_a_write_twice()
    {
        AssertCaught(ClientGuards.SameOperationId, ClientInvariant.NoDoubleApply, Base);
    }

    [Fact]
    public void Dropping_the_outcome_of_a_write_whose_reply_was_lost_leaves_its_signals_unpublished()
    {
        AssertCaught(ClientGuards.OutcomeAfterLostReply, ClientInvariant.SignalsPublished, Base);
    }

    [Fact]
    public void Storing_a_fetched_view_valid_whatever_arrived_meanwhile_serves_a_stale_read()
    {
        AssertCaught(ClientGuards.FetchRaceCheck, ClientInvariant.CacheNotStale, Base);
    }

    [Fact]
    public void Identifying_signals_without_their_epoch_drops_a_second_reclaim_at_the_same_version()
    {
        AssertCaught(ClientGuards.SignalEpochIdentity, ClientInvariant.SignalIdentity, Base with { ScriptA = [Read], Bounds = new ClientBounds(Sweeps: 2) });
    }

    [Fact]
    public void Without_re_registration_an_agent_the_store_forgot_stays_unknown()
    {
        AssertCaught(ClientGuards.Reregistration, ClientInvariant.Reregistration, Base with { Bounds = new ClientBounds(Forgets: 1) });
    }

    private void AssertCaught(ClientGuards removed, ClientInvariant expected, ClientScenario scenario)
    {
        var mutant = new ClientExplorer(scenario with { Guards = ClientGuards.All & ~removed });
        var result = mutant.Explore(stopAt: [expected], breadthFirst: true);
        ClientExplorationLog.Write(output, result);

        var counterexample = Assert.Contains(expected, result.Violations);
        foreach (var (invariant, found) in result.Violations.OrderBy(v => v.Value.Length))
        {
            Console.WriteLine($"MUTANT {removed}: {invariant} after {found.Length} step(s): {found.Trace}");
        }

        // A real path: replayed from the initial state it breaks the same invariant at its last step...
        var replayed = Assert.IsType<ClientCounterexample>(mutant.Replay(counterexample.Path));
        Assert.Equal(expected, replayed.Invariant);
        Assert.Equal(counterexample.Length, replayed.Length);

        // ...and the real client, taking the same steps as far as they exist for it, breaks nothing.
        var (violation, steps) = new ClientExplorer(scenario).Walk(counterexample.Path);
        output.WriteLine($"the unmutated client walks {steps} of the {counterexample.Length} steps without a violation");
        Assert.Null(violation);
    }
}

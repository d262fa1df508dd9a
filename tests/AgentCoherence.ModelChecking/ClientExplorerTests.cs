using AgentCoherence.ModelChecking.ClientModel;
using Xunit.Abstractions;
using static AgentCoherence.ModelChecking.ClientModel.ScriptStep;

namespace AgentCoherence.ModelChecking;

/// <summary>
/// The real client (<see cref="CoherentAgent"/> over a held store and bus) explored exhaustively within small
/// bounds, for every cache strategy: no interleaving of two agents' operations, lost replies and requests,
/// late and dropped signals and reclaims breaks a client invariant, and the exploration really reached the
/// corners that matter (a lost reply of a landed write resolved by its recorded result, a reclaim, a fetch
/// stored invalid because a newer signal overtook it), so "no violation" is not "never got there".
/// </summary>
public sealed class ClientExplorerTests(ITestOutputHelper output)
{
    private static readonly ScriptStep[] ReadCasRead = [Read, Cas, Read];
    private static readonly ScriptStep[] ReadWriteRead = [Read, Write, Read];

    /// <summary>Losses of read replies too, and of write requests before the store sees them.</summary>
    private static readonly ClientBounds AllLosses = new();

    /// <summary>Reads whose reply is lost are only retried; leaving them out keeps the bigger strategies in the CI budget.</summary>
    private static readonly ClientBounds WriteLosses = new(LoseReadReplies: false);

    [Fact]
    public void Lazy_agents_keep_every_client_invariant()
    {
        var result = Explore(new ClientScenario(CacheStrategy.Lazy, ReadCasRead, ReadWriteRead, AllLosses));

        AssertCorners(result, "a read served from the cache", "CommitCas refused HeldByOther", "Acquire refused StaleView", "a signal dropped as a duplicate or older");
    }

    [Fact]
    public void Eager_agents_keep_every_client_invariant()
    {
        var result = Explore(new ClientScenario(CacheStrategy.Eager, ReadCasRead, ReadWriteRead, WriteLosses));

        AssertCorners(result, "an eager refresh fetched a signalled version");
    }

    [Fact]
    public void Lease_agents_keep_every_client_invariant()
    {
        var result = Explore(new ClientScenario(CacheStrategy.Lease, ReadCasRead, ReadWriteRead, WriteLosses));

        AssertCorners(result, "read re-validated (no content)", "a read served from the cache");
    }

    [Fact]
    public void AccessCount_agents_keep_every_client_invariant()
    {
        // Two reads in a row: with one hit allowed per validation, the second re-validates.
        var result = Explore(new ClientScenario(CacheStrategy.AccessCount, [Read, Read, Cas], ReadWriteRead, AllLosses));

        AssertCorners(result, "read re-validated (no content)", "a read served from the cache");
    }

    [Fact]
    public void Broadcast_agents_keep_every_client_invariant()
    {
        // The client treats broadcast as eager (it differs in what the benchmarks charge), so a smaller script.
        var result = Explore(new ClientScenario(CacheStrategy.Broadcast, [Read, Cas], ReadWriteRead, WriteLosses));

        AssertCorners(result, "an eager refresh fetched a signalled version");
    }

    [Fact]
    public void An_update_loop_keeps_every_client_invariant()
    {
        var result = Explore(new ClientScenario(CacheStrategy.Lazy, [Update], [Read, Write], WriteLosses));

        AssertCorners(result, "Update landed", "CommitCas refused VersionConflict");
    }

    [Fact]
    public void A_second_reclaim_at_the_same_version_is_a_new_signal()
    {
        // b is reclaimed, re-reads, acquires again and is reclaimed again before anything is committed.
        var result = Explore(new ClientScenario(CacheStrategy.Lazy, [Read], ReadWriteRead, AllLosses with { Sweeps = 2 }));

        AssertCorners(result, "a second reclaim");
    }

    [Fact]
    public void An_agent_the_store_forgot_between_operations_registers_again()
    {
        var result = Explore(new ClientScenario(CacheStrategy.Lazy, [Read, Cas], [Read, Write], WriteLosses with { Forgets = 1 }));

        AssertCorners(result, "an agent registered again");
    }

    [Fact]
    public void Sleep_sets_reach_the_same_states_as_taking_every_order()
    {
        var scenario = new ClientScenario(CacheStrategy.Eager, [Read, Cas], [Write], WriteLosses);

        var reduced = new ClientExplorer(scenario).Explore();
        var plain = new ClientExplorer(scenario).Explore(sleepSets: false);
        output.WriteLine(reduced.Summary);
        output.WriteLine(plain.Summary);

        Assert.Empty(reduced.Violations);
        Assert.Equal(plain.States, reduced.States);
        Assert.Equal(plain.Finished, reduced.Finished);
        Assert.True(reduced.Transitions < plain.Transitions, "no transition was skipped");
        Assert.Equal(plain.Coverage.Order(), reduced.Coverage.Order());
    }

    [Fact]
    public void Exploring_the_same_scenario_twice_reaches_the_same_states()
    {
        var scenario = new ClientScenario(CacheStrategy.Lease, [Read, Cas], [Write], WriteLosses with { LoseRequests = false });

        var first = new ClientExplorer(scenario).Explore();
        var second = new ClientExplorer(scenario).Explore(breadthFirst: true);

        Assert.Equal(first.States, second.States);
        Assert.Equal(first.Finished, second.Finished);
    }

    /// <summary>Every strategy on the larger scripts with every loss (minutes; the CI runs trim the bigger ones).</summary>
    [FullExplorationFact]
    public void Every_strategy_keeps_every_client_invariant_with_every_loss()
    {
        foreach (var strategy in Enum.GetValues<CacheStrategy>())
        {
            AssertCorners(Explore(new ClientScenario(strategy, ReadCasRead, ReadWriteRead, AllLosses)));
        }

        AssertCorners(Explore(new ClientScenario(CacheStrategy.Lazy, [Update, Read], ReadWriteRead, AllLosses)), "Update landed");
    }

    /// <summary>Two losses per operation and two sweeps: 1.6 million states, minutes.</summary>
    [FullExplorationFact]
    public void Lazy_agents_keep_every_client_invariant_through_two_losses_per_operation_and_two_sweeps()
    {
        AssertCorners(Explore(new ClientScenario(CacheStrategy.Lazy, ReadCasRead, ReadWriteRead, new ClientBounds(Losses: 2, Sweeps: 2))), "a second reclaim");
    }

    private ClientExplorationResult Explore(ClientScenario scenario)
    {
        var result = new ClientExplorer(scenario).Explore();
        ClientExplorationLog.Write(output, result);
        return result;
    }

    /// <summary>No violation, not cut short, and the corners every run must reach plus the scenario's own.</summary>
    private static void AssertCorners(ClientExplorationResult result, params string[] corners)
    {
        Assert.Empty(result.Violations);
        Assert.False(result.Truncated);
        string[] everywhere =
        [
            "the reply of a landed write was lost",
            "a write retried with its id got its recorded result",
            "a reclaim",
            "Commit refused StaleEpoch",
            "a fetched view was stored invalid (a newer signal arrived meanwhile)",
        ];
        foreach (var corner in everywhere.Concat(corners))
        {
            Assert.True(result.Coverage.Contains(corner), $"never reached: {corner}");
        }
    }
}

using AgentCoherence.Internal;
using AgentCoherence.Protocol;

namespace AgentCoherence.Simulation.Tests;

/// <summary>
/// The explorer must catch a broken protocol or client within its first 1,000 seeds, and the seed it reports must
/// replay the same violation on its own. The guards are switched off through InternalsVisibleTo granted to this test
/// project only.
/// </summary>
public sealed class MutantTests
{
    [Theory]
    [InlineData("VersionCheck")]
    [InlineData("HolderCheck")]
    [InlineData("Fence")]
    [InlineData("StaleViewCheck")]
    [InlineData("SingleGrant")]
    [InlineData("Invalidation")]
    public void A_store_missing_a_guard_is_found_within_1000_seeds_and_its_seed_reproduces_it(string guard)
    {
        var removed = Enum.Parse<ProtocolGuards>(guard);
        Func<TimeProvider, IDirectoryStore> mutant = time => new InMemoryDirectoryStore(time, new CoherenceRules(ProtocolGuards.All & ~removed));

        var report = Simulator.Fuzz(1, 1000, SimulationFaults.All, storeFactory: mutant);

        var found = Assert.IsType<InvariantViolation>(report.Violations.FirstOrDefault(), exactMatch: true);
        var (workload, strategy) = Simulator.FuzzFleet(found.Seed);
        var replay = Simulator.Run(new SimulationSettings { Workload = workload, Strategy = strategy, Seed = found.Seed, Faults = SimulationFaults.All, StoreFactory = mutant });
        Assert.Equal(found, replay.Violation);
        Assert.Contains($"--seed {found.Seed}", found.Reproduce, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SameOperationId", "NoDoubleApply")]
    [InlineData("SideEffectFreeResolution", null)]
    [InlineData("OutcomeAfterLostReply", "SignalsPublished")]
    public void A_client_missing_a_fix_is_found_within_1000_seeds_and_its_seed_reproduces_it(string guard, string? invariant)
    {
        var removed = Enum.Parse<ClientGuards>(guard);
        Action<CoherenceClient> mutant = client => client.Guards = ClientGuards.All & ~removed;

        var report = Simulator.Fuzz(1, 1000, SimulationFaults.All, clientCreated: mutant);

        var found = Assert.IsType<InvariantViolation>(report.Violations.FirstOrDefault(), exactMatch: true);
        if (invariant is not null)
        {
            Assert.Equal(invariant, found.Invariant);
        }

        var (workload, strategy) = Simulator.FuzzFleet(found.Seed);
        var replay = Simulator.Run(new SimulationSettings { Workload = workload, Strategy = strategy, Seed = found.Seed, Faults = SimulationFaults.All, ClientCreated = mutant });
        Assert.Equal(found, replay.Violation);
    }
}

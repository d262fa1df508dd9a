using AgentCoherence.Protocol;
using AgentCoherence.Testing;

namespace AgentCoherence.Simulation.Tests;

/// <summary>
/// NoStaleHitAfterDelivery: once the bus delivered an agent a signal for version v, the agent never serves a copy
/// older than v. A store that answers every re-validation "unchanged" makes the client re-validate the copy the signal
/// invalidated, and the next read serves it from the cache: the explorer must name that.
/// </summary>
public sealed class StaleHitTests
{
    [Fact]
    public void A_copy_served_after_its_invalidation_was_delivered_is_a_violation_and_its_seed_reproduces_it()
    {
        Func<TimeProvider, IDirectoryStore> broken = time => new UnchangedRevalidationStore(new InMemoryDirectoryStore(time));

        var report = Simulator.Fuzz(1, 200, SimulationFaults.None, storeFactory: broken);

        var found = Assert.IsType<InvariantViolation>(report.Violations.FirstOrDefault(), exactMatch: true);
        Assert.Equal("NoStaleHitAfterDelivery", found.Invariant);
        var (workload, strategy) = Simulator.FuzzFleet(found.Seed);
        var replay = Simulator.Run(new SimulationSettings { Workload = workload, Strategy = strategy, Seed = found.Seed, StoreFactory = broken });
        Assert.Equal(found, replay.Violation);
    }

    [Fact]
    public void The_same_fleets_on_the_real_store_serve_no_copy_after_its_invalidation()
    {
        Assert.Empty(Simulator.Fuzz(1, 200, SimulationFaults.None).Violations);
    }

    /// <summary>Answers a re-validation (a read naming the version held) "unchanged" even when the version moved.</summary>
    private sealed class UnchangedRevalidationStore(IDirectoryStore inner) : DelegatingDirectoryStore(inner)
    {
        public override bool SharedAcrossProcesses => false;

        public override async ValueTask<ReadResult> ReadAsync(AgentId agent, ArtifactKey key, long knownVersion = -1, CancellationToken cancellationToken = default)
        {
            var result = await Inner.ReadAsync(agent, key, knownVersion, cancellationToken);
            return knownVersion >= 0 && result.Refusal is null && result.Version > knownVersion
                ? new ReadResult { Version = knownVersion, OwnerEpoch = result.OwnerEpoch, ContentIncluded = false }
                : result;
        }
    }
}

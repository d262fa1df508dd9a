namespace AgentCoherence.Simulation.Tests;

public sealed class FaultTests
{
    [Fact]
    public void Every_fault_kind_happens_in_a_long_faulty_run_and_every_invariant_still_holds()
    {
        var result = Simulator.Run(new SimulationSettings
        {
            Workload = SimulationWorkload.Paper(0.3) with { Ticks = 400, CasShare = 0.5, MaxGrantHoldTicks = 3 },
            Seed = 7,
            Faults = SimulationFaults.All,
        });

        Assert.Null(result.Violation);
        var f = result.Faults;
        Assert.All(
            new[] { f.Crashes, f.Restarts, f.Stalls, f.SignalsLost, f.SignalsDuplicated, f.SignalsDelayed, f.Reorderings, f.Partitions, f.SignalsPartitioned, f.StoreOutages, f.RepliesLost, f.OutcomesUnknown },
            count => Assert.True(count > 0, SimulationJson.Serialize(f)));
        Assert.True(result.Measures.Reclaims > 0, "no grant was reclaimed");
        Assert.True(result.Measures.Refusals.GetValueOrDefault("StaleEpoch") > 0, "no zombie was fenced");
    }

    [Fact]
    public void A_fuzz_of_three_hundred_seeds_with_every_fault_finds_nothing()
    {
        var report = Simulator.Fuzz(1, 300, SimulationFaults.All);

        Assert.Empty(report.Violations);
        Assert.Equal(300, report.Seeds);
        Assert.True(report.Faults.OutcomesUnknown > 0 && report.Faults.Crashes > 0);
    }

    [Theory]
    [InlineData("all")]
    [InlineData("crash,stall")]
    [InlineData(" loss , reorder ")]
    public void Fault_lists_parse(string text) => Assert.True(SimulationFaults.Parse(text).Any);

    [Fact]
    public void Bad_input_gets_a_typed_error()
    {
        Assert.Throws<CoherenceArgumentException>(() => SimulationFaults.Parse("meteor"));
        Assert.Throws<CoherenceArgumentException>(() => Simulator.ParseStrategy("psychic"));
        Assert.Throws<CoherenceArgumentException>(() => Simulator.Sweep("moon-phase", [1]));
        Assert.Throws<CoherenceArgumentException>(() => Simulator.Run(new SimulationSettings { Workload = SimulationWorkload.Paper(0.1) with { AgentNames = [] } }));
        Assert.Throws<CoherenceArgumentException>(() => Simulator.Run(new SimulationSettings { Workload = SimulationWorkload.Paper(1.5) }));
        Assert.Throws<CoherenceArgumentException>(() => Simulator.Run(new SimulationSettings
        {
            Workload = SimulationWorkload.Paper(0.1) with { Artifacts = [new SimulatedArtifact("a", 10), new SimulatedArtifact("a", 10)] },
        }));
    }
}

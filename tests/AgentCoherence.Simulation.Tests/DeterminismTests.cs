namespace AgentCoherence.Simulation.Tests;

public sealed class DeterminismTests
{
    [Theory]
    [InlineData(CacheStrategy.Lazy)]
    [InlineData(CacheStrategy.Eager)]
    [InlineData(CacheStrategy.Broadcast)]
    public void The_same_seed_gives_byte_identical_json(CacheStrategy strategy)
    {
        var settings = new SimulationSettings
        {
            Workload = SimulationWorkload.Paper(0.25) with { MaxGrantHoldTicks = 2, CasShare = 0.5 },
            Strategy = strategy,
            Seed = 42,
            Faults = SimulationFaults.All,
        };

        var first = SimulationJson.Serialize(Simulator.Run(settings));
        var second = SimulationJson.Serialize(Simulator.Run(settings));

        Assert.Equal(first, second);
        Assert.Contains("\"seed\": 42", first, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_seeds_in_parallel_give_the_same_report_as_one_at_a_time()
    {
        var parallel = SimulationJson.Serialize(Simulator.Fuzz(1, 40, SimulationFaults.All));
        var serial = SimulationJson.Serialize(Simulator.Fuzz(1, 40, SimulationFaults.All, maxParallelism: 1));

        Assert.Equal(serial, parallel);
    }

    [Fact]
    public void Different_seeds_give_different_runs()
    {
        var settings = new SimulationSettings { Workload = SimulationWorkload.Paper(0.25), Faults = SimulationFaults.All };
        var runs = Enumerable.Range(1, 5).Select(seed => Simulator.Run(settings with { Seed = seed })).ToList();

        var measures = runs.Select(r => SimulationJson.Serialize(r.Measures)).Distinct(StringComparer.Ordinal).Count();
        Assert.Equal(5, measures);
    }

    [Fact]
    public void A_result_reads_back_from_its_json()
    {
        var result = Simulator.Run(new SimulationSettings { Workload = SimulationWorkload.Paper(0.10), Seed = 3 });
        var json = SimulationJson.Serialize(result);

        var back = SimulationJson.Deserialize<SimulationResult>(json)!;

        Assert.Equal(json, SimulationJson.Serialize(back));
    }
}

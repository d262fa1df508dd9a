using System.Text.Json;
using Spectre.Console.Testing;

namespace AgentCoherence.Cli.Tests;

public sealed class SimulateCommandTests
{
    [Fact]
    public async Task Simulate_paper_prints_the_papers_table_beside_ours_and_the_bound()
    {
        using var console = new TestConsole();
        console.Profile.Width = 240;

        var exit = await CliApp.Create(console).RunAsync(["simulate", "paper", "--seeds", "2"]);

        Assert.Equal(0, exit);
        Assert.Contains("95.0% ± 1.3", console.Output, StringComparison.Ordinal);
        Assert.Contains("~81%", console.Output, StringComparison.Ordinal);
        Assert.Contains("85.0%", console.Output, StringComparison.Ordinal);
        Assert.Contains("lower bound", console.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Simulate_run_with_a_seed_prints_the_same_json_every_time()
    {
        var first = await JsonOf("simulate", "run", "--workload", "paper-v0.25", "--seed", "5", "--faults", "all", "--json");
        var second = await JsonOf("simulate", "run", "--workload", "paper-v0.25", "--seed", "5", "--faults", "all", "--json");

        Assert.Equal(first, second);
        using var document = JsonDocument.Parse(first);
        Assert.Equal(5, document.RootElement.GetProperty("seed").GetInt32());
        Assert.True(document.RootElement.GetProperty("measures").GetProperty("savingsVsBroadcast").GetDouble() > 0.5);
    }

    [Fact]
    public async Task Simulate_fuzz_reports_no_violation_and_exits_zero()
    {
        using var console = new TestConsole();
        console.Profile.Width = 240;

        var exit = await CliApp.Create(console).RunAsync(["simulate", "--fuzz", "--seeds", "60", "--faults", "all"]);

        Assert.Equal(0, exit);
        Assert.Contains("60 seeds from 1", console.Output, StringComparison.Ordinal);
        Assert.Contains("no invariant broken", console.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Simulate_sweep_json_holds_every_strategy_with_the_bound()
    {
        var json = await JsonOf("simulate", "sweep", "agents", "--seeds", "1", "--strategy", "lazy,eager", "--json");

        using var document = JsonDocument.Parse(json);
        var sweep = document.RootElement[0];
        Assert.Equal("agents", sweep.GetProperty("name").GetString());
        Assert.Equal(2, sweep.GetProperty("series").GetArrayLength());
        Assert.All(sweep.GetProperty("series")[0].GetProperty("points").EnumerateArray(), p => Assert.True(p.TryGetProperty("lowerBound", out _)));
    }

    [Theory]
    [InlineData("simulate", "sweep", "moon-phase")]
    [InlineData("simulate", "run", "--strategy", "psychic")]
    [InlineData("simulate", "run", "--faults", "meteor")]
    [InlineData("simulate", "run", "--workload", "nothing")]
    [InlineData("simulate", "paper", "--seeds", "0")]
    [InlineData("simulate")]
    public async Task Bad_simulate_options_are_refused(params string[] args)
    {
        using var console = new TestConsole();

        var exit = await CliApp.Create(console).RunAsync(args);

        Assert.Equal(2, exit);
    }

    // The JSON goes to the console's raw output (standard output in a terminal), so a test's console captures it;
    // nothing else may be printed beside it.
    private static async Task<string> JsonOf(params string[] args)
    {
        using var console = new TestConsole();
        var exit = await CliApp.Create(console).RunAsync(args);

        Assert.Equal(0, exit);
        using (JsonDocument.Parse(console.Output))
        {
        }

        return console.Output;
    }
}

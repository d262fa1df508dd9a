using System.Text.Json;
using AgentCoherence.Cli.Bench;
using AgentCoherence.Cli.Demo;
using Spectre.Console.Testing;

namespace AgentCoherence.Cli.Tests;

public sealed class CommandTests
{
    [Fact]
    public async Task Demo_succeeds_and_shows_the_refusal()
    {
        using var console = new TestConsole();
        console.Width(120);

        var outcome = await DemoStory.RunAsync(console);

        Assert.True(outcome.LostEditObserved);
        Assert.True(outcome.StaleWriteRefused);
        Assert.True(outcome.BothEditsSurvive);
        Assert.Equal(200, outcome.ExpectedCount);
        Assert.Equal(200, outcome.ActualCount);
        Assert.True(outcome.Succeeded);
        var output = console.Output;
        Assert.Contains("StaleViewException", output, StringComparison.Ordinal);
        Assert.Contains("planner last saw v1 but the current version is v2", output, StringComparison.Ordinal);
        Assert.Contains("silently gone", output, StringComparison.Ordinal);
        Assert.Contains("both edits survive", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_command_exits_zero_through_the_command_tree()
    {
        using var console = new TestConsole();
        console.Width(120);

        var exit = await CliApp.Create(console).RunAsync(["demo", "--updaters", "4", "--increments", "10"]);

        Assert.Equal(0, exit);
        Assert.Contains("StaleViewException", console.Output, StringComparison.Ordinal);
        Assert.Contains("4 × 10 optimistic increments all land", console.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bench_tokens_renders_every_workload()
    {
        using var console = new TestConsole();
        console.Width(120);

        var exit = await CliApp.Create(console).RunAsync(["bench", "tokens"]);

        Assert.Equal(0, exit);
        foreach (var name in new[] { "Planning", "Code review", "High churn", "69.0%", "47.2%", "30.6%", "68.7%", "46.7%", "28.7%" })
        {
            Assert.Contains(name, console.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Json_report_parses_and_holds_the_three_workloads()
    {
        var json = TokenReportRenderer.ToJson(await TokenWorkloads.RunAllAsync());

        using var document = JsonDocument.Parse(json);
        var workloads = document.RootElement.GetProperty("workloads");
        Assert.Equal(3, workloads.GetArrayLength());
        Assert.Equal(["planning", "code-review", "high-churn"], workloads.EnumerateArray().Select(w => w.GetProperty("id").GetString()));
        var churn = workloads[2];
        Assert.Equal(4, churn.GetProperty("signals").GetInt64());
        Assert.Equal(2_254, churn.GetProperty("coherentTokensWithoutSignals").GetInt64());
        Assert.Equal(0.287, churn.GetProperty("published").GetProperty("savings").GetDouble());
        Assert.True(churn.GetProperty("referenceMethod").TryGetProperty("coherentTokens", out _));
    }

    [Fact]
    public async Task Json_flag_prints_only_json_on_stdout()
    {
        using var console = new TestConsole();
        var exit = await CliApp.Create(console).RunAsync(["bench", "tokens", "--json"]);

        Assert.Equal(0, exit);
        // The whole output is one JSON document: a table or a line beside it would not parse.
        using var document = JsonDocument.Parse(console.Output);
        Assert.Equal(3, document.RootElement.GetProperty("workloads").GetArrayLength());
    }
}

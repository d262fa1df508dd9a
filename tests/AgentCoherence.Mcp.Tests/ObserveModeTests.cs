namespace AgentCoherence.Mcp.Tests;

/// <summary><c>--mode observe</c>: a write the store refuses is written anyway, and reported instead of refused.</summary>
public sealed class ObserveModeTests
{
    [Theory]
    [InlineData(CoherenceMode.Enforce)]
    [InlineData(CoherenceMode.Observe)]
    public async Task A_stale_write_is_refused_when_enforcing_and_written_and_reported_when_observing(CoherenceMode mode)
    {
        await using var server = await InProcessServer.StartAsync(o => o.Mode = mode);
        await server.Ok("write", new { agent = "planner", path = "plans/plan.md", content = "1. research\n" });
        await server.Ok("read", new { agent = "planner", path = "plans/plan.md" });
        await server.Ok("read", new { agent = "reviewer", path = "plans/plan.md" });
        await server.Ok("write", new { agent = "reviewer", path = "plans/plan.md", content = "1. research\n2. review\n" });
        var reported = new List<WouldBeRefusal>();
        (await server.Volumes.ForAgentAsync("planner", CancellationToken.None)).WouldBeRefused += (_, r) => reported.Add(r);

        if (mode == CoherenceMode.Enforce)
        {
            var refusal = await server.Refused("write", new { agent = "planner", path = "plans/plan.md", content = "1. research\n2. build\n" });
            Assert.Equal("stale_view", refusal.GetProperty("reason").GetString());
            Assert.Equal("1. research\n2. review\n", server.Disk("plans/plan.md"));
            Assert.Empty(reported);
        }
        else
        {
            var written = await server.Ok("write", new { agent = "planner", path = "plans/plan.md", content = "1. research\n2. build\n" });
            Assert.Equal(3, written.GetProperty("version").GetInt64());
            Assert.Equal("1. research\n2. build\n", server.Disk("plans/plan.md"));
            Assert.Equal(RefusalReason.StaleView, Assert.Single(reported).Refusal.Reason);
        }
    }

    [Theory]
    [InlineData("observe", CoherenceMode.Observe)]
    [InlineData("Enforce", CoherenceMode.Enforce)]
    public void The_command_line_sets_the_mode(string value, CoherenceMode expected)
    {
        var line = CommandLine.Parse(["--mode", value], out var error);
        var options = new CoherenceMcpOptions();
        line.ApplyTo(options);
        Assert.Null(error);
        Assert.Equal(expected, options.Mode);
    }

    [Fact]
    public void A_bad_mode_on_the_command_line_names_the_argument()
    {
        CommandLine.Parse(["--mode", "watch"], out var error);
        Assert.Equal("--mode needs enforce or observe (got 'watch')", error);
    }

    [Fact]
    public void The_mode_comes_from_configuration_too()
    {
        using var directory = new TempDirectory("agentcoherence-mcp-tests");
        File.WriteAllText(directory.File("appsettings.json"), """{ "AgentCoherence": { "Mcp": { "Root": "/x", "Mode": "Observe" } } }""");
        var options = CoherenceMcpProgram.LoadOptions(CommandLine.Parse([], out _), directory.Path);
        Assert.Equal(CoherenceMode.Observe, options.Mode);
        Assert.Contains("AgentCoherence:Mcp:Mode ('9') must be Enforce or Observe", new CoherenceMcpOptions { Root = directory.Path, Mode = (CoherenceMode)9 }.Validate());
    }
}

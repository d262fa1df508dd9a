namespace AgentCoherence.Mcp.Tests;

/// <summary>Settings come from ./appsettings.json, then --config, then the environment, then the command line.</summary>
public sealed class SettingsTests : IDisposable
{
    private readonly TempDirectory _directory = new("agentcoherence-mcp-tests");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void The_command_line_sets_every_option_and_repeats_managed()
    {
        var line = CommandLine.Parse(["--root", "/srv/space", "--managed", "plans/**", "--managed=memory/*.json", "--http", "--port", "0", "--token", "t0ken-t0ken-t0ken", "--max-agents", "8"], out var error);

        var options = new CoherenceMcpOptions();
        line.ApplyTo(options);
        Assert.Null(error);
        Assert.Equal("/srv/space", options.Root);
        Assert.Equal(["plans/**", "memory/*.json"], options.Managed);
        Assert.True(options.Http);
        Assert.Equal(0, options.Port);
        Assert.Equal("t0ken-t0ken-t0ken", options.Token);
        Assert.Equal(8, options.MaxAgents);
    }

    [Theory]
    [InlineData(new[] { "--bogus" }, "unknown argument '--bogus'")]
    [InlineData(new[] { "--root" }, "--root needs a value")]
    [InlineData(new[] { "--port", "http" }, "--port needs a whole number (got 'http')")]
    [InlineData(new[] { "--managed", "--http" }, "--managed needs a value")]
    public void A_bad_command_line_names_the_argument(string[] args, string expected)
    {
        CommandLine.Parse(args, out var error);

        Assert.Equal(expected, error);
    }

    [Fact]
    public void Appsettings_then_the_config_file_then_the_command_line_win_in_that_order()
    {
        File.WriteAllText(_directory.File("appsettings.json"), """
            { "AgentCoherence": { "Mcp": { "Root": "/from/appsettings", "Managed": [ "a/**", "b/**" ], "Port": 1111, "MaxAgents": 5 } } }
            """);
        File.WriteAllText(_directory.File("extra.json"), """
            { "AgentCoherence": { "Mcp": { "Port": 2222, "Token": "from-the-config-file" } } }
            """);
        var line = CommandLine.Parse(["--config", "extra.json", "--managed", "c/**", "--root", "/from/args"], out _);

        var options = CoherenceMcpProgram.LoadOptions(line, _directory.Path);

        Assert.Equal("/from/args", options.Root);
        Assert.Equal(["c/**"], options.Managed);
        Assert.Equal(2222, options.Port);
        Assert.Equal("from-the-config-file", options.Token);
        Assert.Equal(5, options.MaxAgents);
    }

    [Fact]
    public void A_missing_config_file_is_an_error_naming_it()
    {
        var line = CommandLine.Parse(["--config", "nope.json"], out _);

        var missing = Assert.Throws<FileNotFoundException>(() => CoherenceMcpProgram.LoadOptions(line, _directory.Path));

        Assert.Contains("nope.json", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void No_managed_glob_means_every_file_is_managed()
    {
        Assert.Equal(["**/*"], new CoherenceMcpOptions().EffectiveManaged);
    }

    [Fact]
    public void Validation_names_each_bad_setting()
    {
        var options = new CoherenceMcpOptions { Root = _directory.File("missing"), Port = 70000, Token = "short", MaxAgents = 0, Path = "mcp" };

        var problems = options.Validate();

        Assert.Equal(5, problems.Count);
        Assert.Contains(problems, p => p.Contains("does not exist", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Port (70000)", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("token", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("MaxAgents (0)", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Path ('mcp')", StringComparison.Ordinal));
        Assert.Empty(new CoherenceMcpOptions { Root = _directory.Path }.Validate());
    }

    [Fact]
    public async Task The_program_refuses_to_start_without_a_root_and_says_how_to_set_it()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var exit = await CoherenceMcpProgram.RunAsync(["--managed", "plans/**"], stdout, stderr);

        Assert.Equal(2, exit);
        Assert.Contains("--root", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains("AGENTCOHERENCE__MCP__ROOT", stderr.ToString(), StringComparison.Ordinal);
        Assert.Equal("", stdout.ToString());
    }

    [Fact]
    public async Task Help_goes_to_stdout_and_exits_0()
    {
        var stdout = new StringWriter();

        var exit = await CoherenceMcpProgram.RunAsync(["--help"], stdout, new StringWriter());

        Assert.Equal(0, exit);
        Assert.Contains("usage: coherence-mcp", stdout.ToString(), StringComparison.Ordinal);
    }
}

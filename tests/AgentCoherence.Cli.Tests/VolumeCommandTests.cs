using AgentCoherence.Cli.Demo;
using AgentCoherence.Sqlite;
using AgentCoherence.Volume;
using Spectre.Console.Testing;

namespace AgentCoherence.Cli.Tests;

public sealed class VolumeCommandTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "agentcoherence-cli-tests", Guid.NewGuid().ToString("N"));

    public VolumeCommandTests() => Directory.CreateDirectory(_root);

    [Fact]
    public async Task Demo_files_refuses_the_stale_write_and_keeps_both_edits_on_disk()
    {
        using var console = new TestConsole();
        console.Width(200);

        var outcome = await FileDemoStory.RunAsync(console, _root);

        Assert.True(outcome.Succeeded);
        Assert.Contains("StaleViewException", console.Output, StringComparison.Ordinal);
        Assert.Contains("both edits survive on disk", console.Output, StringComparison.Ordinal);
        var plan = File.ReadAllText(Path.Combine(_root, "plans", "plan.md"));
        Assert.Contains("behind a feature flag", plan, StringComparison.Ordinal);
        Assert.Contains("Add contract tests", plan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_files_exits_zero_through_the_command_tree()
    {
        using var console = new TestConsole();
        console.Width(200);

        var exit = await CliApp.Create(console).RunAsync(["demo", "--files"]);

        Assert.Equal(0, exit);
        Assert.Contains("both edits survive on disk", console.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Volume_status_shows_versions_holders_and_grants()
    {
        var options = new VolumeOptions { Managed = ["plans/**"] };
        await using (var planner = await CoherentVolume.OpenAsync(_root, "planner", options))
        await using (var reviewer = await CoherentVolume.OpenAsync(_root, "reviewer", options))
        await using (var store = new SqliteDirectoryStore(new SqliteStoreOptions { Path = CoherentVolume.DefaultDatabasePath(_root) }))
        await using (var editors = new CoherenceClient(store, new InMemoryEventBus()))
        await using (var editor = editors.Agent("editor"))
        {
            await planner.WriteAsync("plans/plan.md", "v1\n");
            await reviewer.ReadAsync("plans/plan.md");
            await planner.WriteAsync("plans/plan.md", "v2\n");

            // A third process holds the write grant while the status is taken.
            var key = planner.KeyOf("plans/plan.md");
            await editor.ReadAsync(key);
            await using var grant = await editor.AcquireAsync(key);
            using var console = new TestConsole();
            console.Width(200);

            var exit = await CliApp.Create(console).RunAsync(["volume", "status", _root, "--managed", "plans/**"]);

            Assert.Equal(0, exit);
            var output = console.Output;
            Assert.Contains("plans/plan.md", output, StringComparison.Ordinal);
            Assert.Contains("v2", output, StringComparison.Ordinal);
            Assert.Contains("editor:E", output, StringComparison.Ordinal);
            Assert.Contains("planner:S", output, StringComparison.Ordinal);
            Assert.Contains("reviewer:I", output, StringComparison.Ordinal);
            Assert.Contains("editor since", output, StringComparison.Ordinal);

            // Taking the status joined nobody.
            Assert.DoesNotContain("coherence-volume-status", output, StringComparison.Ordinal);
            Assert.Equal(["editor", "planner", "reviewer"], (await planner.InspectAsync("plans/plan.md")).Holders.Select(h => h.Agent.Value));
        }
    }

    [Fact]
    public async Task Volume_status_without_a_volume_exits_one()
    {
        using var console = new TestConsole();

        var exit = await CliApp.Create(console).RunAsync(["volume", "status", _root]);

        Assert.Equal(1, exit);
        Assert.Contains("No volume", console.Output, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

using System.Text.Json;

namespace AgentCoherence.Mcp.Tests;

/// <summary>Every tool over an in-process MCP client, through the real schemas and argument binding.</summary>
public sealed class ToolTests : IAsyncLifetime
{
    private InProcessServer _server = null!;

    public async Task InitializeAsync() => _server = await InProcessServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task The_server_lists_its_seven_tools_and_each_requires_the_calling_agent()
    {
        var tools = await _server.Client.ListToolsAsync();

        Assert.Equal(["adopt", "publish", "reacquire", "read", "status", "write", "write_cas"], tools.Select(t => t.Name).Order(StringComparer.Ordinal));
        foreach (var tool in tools)
        {
            var required = tool.JsonSchema.GetProperty("required").EnumerateArray().Select(e => e.GetString()).ToList();
            Assert.Contains("agent", required);
        }

        var writeCas = tools.Single(t => t.Name == "write_cas").JsonSchema;
        Assert.Equal(["agent", "path", "content", "expected_version"], writeCas.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("integer", writeCas.GetProperty("properties").GetProperty("expected_version").GetProperty("type").GetString());
    }

    [Fact]
    public async Task Write_puts_the_file_on_disk_and_returns_its_version()
    {
        var written = await _server.Ok("write", new { agent = "planner", path = "plans/plan.md", content = "1. research\n" });

        Assert.Equal(1, written.GetProperty("version").GetInt64());
        Assert.Equal("plans/plan.md", written.GetProperty("path").GetString());
        Assert.True(written.GetProperty("managed").GetBoolean());
        Assert.Equal("1. research\n", _server.Disk("plans/plan.md"));
    }

    [Fact]
    public async Task Read_returns_the_content_and_the_version()
    {
        await _server.Ok("write", new { agent = "planner", path = "plans/plan.md", content = "1. research\n" });

        var read = await _server.Ok("read", new { agent = "reviewer", path = "plans/plan.md" });

        Assert.Equal("1. research\n", read.GetProperty("content").GetString());
        Assert.Equal(1, read.GetProperty("version").GetInt64());
        Assert.Equal("reviewer", read.GetProperty("agent").GetString());
    }

    [Fact]
    public async Task The_text_content_carries_the_same_json_for_hosts_that_ignore_structured_content()
    {
        var result = await _server.Call("write", new { agent = "planner", path = "plans/plan.md", content = "x" });

        using var text = JsonDocument.Parse(InProcessServer.Text(result));
        Assert.Equal(1, text.RootElement.GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task The_text_content_keeps_markdown_and_accents_readable()
    {
        await _server.Ok("write", new { agent = "planner", path = "plans/plan.md", content = "# Café <plan> & 'steps'\n" });

        var result = await _server.Call("read", new { agent = "planner", path = "plans/plan.md" });

        Assert.Contains("# Café <plan> & 'steps'\\n", InProcessServer.Text(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stale_write_is_refused_and_the_writer_recovers_with_reacquire()
    {
        await _server.Ok("write", new { agent = "planner", path = "plans/plan.md", content = "1. research\n" });
        await _server.Ok("read", new { agent = "planner", path = "plans/plan.md" });
        var theirs = await _server.Ok("read", new { agent = "reviewer", path = "plans/plan.md" });
        await _server.Ok("write", new { agent = "reviewer", path = "plans/plan.md", content = theirs.GetProperty("content").GetString() + "2. review\n" });

        var refusal = await _server.Refused("write", new { agent = "planner", path = "plans/plan.md", content = "1. research\n2. build\n" });

        Assert.Equal("stale_view", refusal.GetProperty("reason").GetString());
        Assert.Equal("1. research\n2. review\n", _server.Disk("plans/plan.md"));
        var fresh = await _server.Ok("reacquire", new { agent = "planner", path = "plans/plan.md" });
        Assert.Equal(2, fresh.GetProperty("version").GetInt64());
        var merged = await _server.Ok("write", new { agent = "planner", path = "plans/plan.md", content = fresh.GetProperty("content").GetString() + "3. build\n" });
        Assert.Equal(3, merged.GetProperty("version").GetInt64());
        Assert.Equal("1. research\n2. review\n3. build\n", _server.Disk("plans/plan.md"));
    }

    [Fact]
    public async Task Write_cas_creates_at_0_and_lands_at_the_current_version()
    {
        var created = await _server.Ok("write_cas", new { agent = "planner", path = "memory/facts.json", content = "{}", expected_version = 0 });
        var updated = await _server.Ok("write_cas", new { agent = "reviewer", path = "memory/facts.json", content = "{\"a\":1}", expected_version = 1 });

        Assert.Equal(1, created.GetProperty("version").GetInt64());
        Assert.Equal(2, updated.GetProperty("version").GetInt64());
        Assert.Equal("{\"a\":1}", _server.Disk("memory/facts.json"));
    }

    [Fact]
    public async Task Publish_lands_every_file_and_returns_each_version()
    {
        await _server.Ok("write", new { agent = "planner", path = "plans/plan.md", content = "p1" });

        var published = await _server.Ok("publish", new
        {
            agent = "planner",
            items = new object[]
            {
                new { path = "plans/plan.md", content = "p2", expected_version = 1 },
                new { path = "memory/facts.json", content = "{}", expected_version = 0 },
            },
        });

        var files = published.GetProperty("files").EnumerateArray().Select(f => (f.GetProperty("path").GetString(), f.GetProperty("version").GetInt64())).ToList();
        Assert.Equal([("plans/plan.md", 2L), ("memory/facts.json", 1L)], files);
        Assert.Equal("p2", _server.Disk("plans/plan.md"));
        Assert.Equal("{}", _server.Disk("memory/facts.json"));
    }

    [Fact]
    public async Task Adopt_commits_a_file_edited_outside_the_volume_as_a_new_version()
    {
        await _server.Ok("write", new { agent = "planner", path = "plans/plan.md", content = "ours\n" });
        File.WriteAllText(_server.Workspace.File("plans/plan.md"), "edited by hand\n");

        var adopted = await _server.Ok("adopt", new { agent = "planner", path = "plans/plan.md" });
        var read = await _server.Ok("read", new { agent = "reviewer", path = "plans/plan.md" });

        Assert.Equal(2, adopted.GetProperty("version").GetInt64());
        Assert.Equal("edited by hand\n", read.GetProperty("content").GetString());
    }

    [Fact]
    public async Task Status_reports_each_managed_file_with_the_callers_own_view()
    {
        await _server.Ok("write", new { agent = "planner", path = "plans/plan.md", content = "v1" });
        await _server.Ok("read", new { agent = "reviewer", path = "plans/plan.md" });
        await _server.Ok("write", new { agent = "planner", path = "plans/plan.md", content = "v2" });
        File.WriteAllText(_server.Workspace.File("notes.txt"), "unmanaged");

        var status = await _server.Ok("status", new { agent = "reviewer" });

        var file = Assert.Single(status.GetProperty("files").EnumerateArray());
        Assert.Equal("plans/plan.md", file.GetProperty("path").GetString());
        Assert.Equal(2, file.GetProperty("version").GetInt64());
        Assert.Equal("planner", file.GetProperty("last_writer").GetString());
        Assert.Equal("I", file.GetProperty("your_state").GetString());
        Assert.Equal(1, file.GetProperty("your_view_version").GetInt64());
        Assert.False(file.GetProperty("current").GetBoolean());
        Assert.Equal(["plans/**", "memory/*.json"], status.GetProperty("managed").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["planner", "reviewer"], status.GetProperty("agents").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Status_of_one_path_says_whether_the_callers_view_is_current()
    {
        await _server.Ok("write", new { agent = "planner", path = "plans/plan.md", content = "v1" });

        var status = await _server.Ok("status", new { agent = "planner", path = "plans/plan.md" });

        var file = Assert.Single(status.GetProperty("files").EnumerateArray());
        Assert.True(file.GetProperty("current").GetBoolean());
        Assert.Equal("S", file.GetProperty("your_state").GetString());
    }

    [Fact]
    public async Task Unmanaged_files_pass_through_with_version_0()
    {
        var written = await _server.Ok("write", new { agent = "planner", path = "notes/scratch.txt", content = "anything" });
        var read = await _server.Ok("read", new { agent = "planner", path = "notes/scratch.txt" });

        Assert.Equal(0, written.GetProperty("version").GetInt64());
        Assert.False(read.GetProperty("managed").GetBoolean());
        Assert.Equal("anything", read.GetProperty("content").GetString());
    }

    [Fact]
    public async Task Each_agent_name_gets_its_own_volume_over_one_shared_store()
    {
        await _server.Ok("write", new { agent = "planner", path = "plans/a.md", content = "a" });
        await _server.Ok("write", new { agent = "reviewer", path = "plans/b.md", content = "b" });

        var planner = await _server.Volumes.ForAgentAsync("planner", default);
        var reviewer = await _server.Volumes.ForAgentAsync("reviewer", default);

        Assert.NotSame(planner, reviewer);
        Assert.Equal(1, (await reviewer.InspectAsync("plans/a.md")).Version);
        Assert.Equal(1, (await planner.InspectAsync("plans/b.md")).Version);
        Assert.Equal("planner", planner.AgentId.Value);
    }
}

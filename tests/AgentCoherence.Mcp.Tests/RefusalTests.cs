using System.Text.Json;
using AgentCoherence.Sqlite;
using AgentCoherence.Protocol;

namespace AgentCoherence.Mcp.Tests;

/// <summary>
/// Every refusal comes back as a tool error (<c>isError</c>) with structured content a model can act on:
/// reason, versions, retryable and next_action. Checked over an in-process MCP client.
/// </summary>
public sealed class RefusalTests : IAsyncLifetime
{
    private InProcessServer _server = null!;

    public async Task InitializeAsync() => _server = await InProcessServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Stale_view_names_both_versions_and_says_reacquire()
    {
        await _server.Ok("write", new { agent = "planner", path = "plans/plan.md", content = "v1" });
        await _server.Ok("read", new { agent = "planner", path = "plans/plan.md" });
        await _server.Ok("read", new { agent = "reviewer", path = "plans/plan.md" });
        await _server.Ok("write", new { agent = "reviewer", path = "plans/plan.md", content = "v2" });

        var result = await _server.Call("write", new { agent = "planner", path = "plans/plan.md", content = "stale" });

        var refusal = InProcessServer.Structured(result);
        Assert.True(result.IsError);
        AssertRefusal(refusal, "stale_view", currentVersion: 2, expectedVersion: 1, retryable: true, "reacquire");
        Assert.Equal("planner", refusal.GetProperty("agent").GetString());
        Assert.Equal("plans/plan.md", refusal.GetProperty("path").GetString());
        Assert.Contains("stale_view", InProcessServer.Text(result), StringComparison.Ordinal);
        Assert.Contains("reacquire", InProcessServer.Text(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_conflict_names_both_versions_and_says_merge()
    {
        await _server.Ok("write_cas", new { agent = "planner", path = "plans/plan.md", content = "v1", expected_version = 0 });
        await _server.Ok("write_cas", new { agent = "reviewer", path = "plans/plan.md", content = "v2", expected_version = 1 });

        var refusal = await _server.Refused("write_cas", new { agent = "planner", path = "plans/plan.md", content = "late", expected_version = 1 });

        AssertRefusal(refusal, "version_conflict", currentVersion: 2, expectedVersion: 1, retryable: true, "merge");
        Assert.Equal("v2", _server.Disk("plans/plan.md"));
    }

    [Fact]
    public async Task An_expected_version_ahead_of_the_file_says_fix_arguments()
    {
        await _server.Ok("write", new { agent = "planner", path = "plans/plan.md", content = "v1" });

        var refusal = await _server.Refused("write_cas", new { agent = "planner", path = "plans/plan.md", content = "x", expected_version = 9 });

        AssertRefusal(refusal, "expected_version_ahead", currentVersion: 1, expectedVersion: 9, retryable: false, "fix_arguments");
    }

    [Fact]
    public async Task Held_by_other_names_the_holder_and_says_wait()
    {
        await _server.Ok("write", new { agent = "planner", path = "plans/plan.md", content = "v1" });
        await using var client = new CoherenceClient(_server.Volumes.Store, new InMemoryEventBus());
        var agent = client.Agent("holder");
        var key = new ArtifactKey(Volume.CoherentVolume.Namespace, "plans/plan.md");
        await agent.ReadAsync(key);
        await using var grant = await agent.AcquireAsync(key);

        var refusal = await _server.Refused("write", new { agent = "planner", path = "plans/plan.md", content = "v2" });

        AssertRefusal(refusal, "held_by_other", currentVersion: 1, expectedVersion: null, retryable: true, "wait");
        Assert.Equal("holder", refusal.GetProperty("holder").GetString());
        Assert.True(DateTimeOffset.TryParse(refusal.GetProperty("holder_since").GetString(), out _));
    }

    [Fact]
    public async Task A_missing_managed_file_is_not_found_and_says_create()
    {
        var refusal = await _server.Refused("read", new { agent = "planner", path = "plans/missing.md" });

        AssertRefusal(refusal, "not_found", currentVersion: 0, expectedVersion: null, retryable: false, "create");
        Assert.False(refusal.GetProperty("deleted").GetBoolean());
    }

    [Fact]
    public async Task A_missing_unmanaged_file_is_not_found_too()
    {
        var refusal = await _server.Refused("read", new { agent = "planner", path = "notes/missing.txt" });

        Assert.Equal("not_found", refusal.GetProperty("reason").GetString());
        Assert.Equal("notes/missing.txt", refusal.GetProperty("path").GetString());
    }

    [Fact]
    public async Task A_foreign_edit_carries_both_hashes_and_says_adopt()
    {
        await _server.Ok("write", new { agent = "planner", path = "plans/plan.md", content = "ours\n" });
        File.WriteAllText(_server.Workspace.File("plans/plan.md"), "edited by hand\n");

        var refusal = await _server.Refused("write", new { agent = "planner", path = "plans/plan.md", content = "clobber" });

        AssertRefusal(refusal, "foreign_edit", currentVersion: null, expectedVersion: null, retryable: false, "adopt");
        Assert.Equal(ContentPayload.HashHex("ours\n"u8), refusal.GetProperty("expected_sha256").GetString());
        Assert.Equal(ContentPayload.HashHex("edited by hand\n"u8), refusal.GetProperty("actual_sha256").GetString());
        Assert.Equal("edited by hand\n", _server.Disk("plans/plan.md"));
    }

    [Theory]
    [InlineData("../outside.md")]
    [InlineData("/etc/passwd")]
    [InlineData(".coherence/directory.db")]
    public async Task An_unsafe_path_is_refused_and_says_fix_arguments(string path)
    {
        var refusal = await _server.Refused("write", new { agent = "planner", path, content = "x" });

        AssertRefusal(refusal, "unsafe_path", currentVersion: null, expectedVersion: null, retryable: false, "fix_arguments");
        Assert.Equal(path, refusal.GetProperty("path").GetString());
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(_server.Workspace.Path)!, "outside.md")));
    }

    [Theory]
    [InlineData("two words")]
    [InlineData("#sweeper")]
    [InlineData("")]
    public async Task An_invalid_agent_name_is_an_invalid_argument(string agent)
    {
        var refusal = await _server.Refused("read", new { agent, path = "plans/plan.md" });

        AssertRefusal(refusal, "invalid_argument", currentVersion: null, expectedVersion: null, retryable: false, "fix_arguments");
        Assert.Empty(_server.Volumes.Agents);
    }

    [Fact]
    public async Task A_missing_argument_is_an_invalid_argument_naming_it()
    {
        var refusal = await _server.Refused("write", new { agent = "planner", path = "plans/plan.md" });

        AssertRefusal(refusal, "invalid_argument", currentVersion: null, expectedVersion: null, retryable: false, "fix_arguments");
        Assert.Contains("'content'", refusal.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_argument_of_the_wrong_type_is_an_invalid_argument()
    {
        var refusal = await _server.Refused("write_cas", new { agent = "planner", path = "plans/plan.md", content = "x", expected_version = "latest" });

        AssertRefusal(refusal, "invalid_argument", currentVersion: null, expectedVersion: null, retryable: false, "fix_arguments");
    }

    [Fact]
    public async Task Write_cas_on_an_unmanaged_path_is_an_invalid_argument()
    {
        var refusal = await _server.Refused("write_cas", new { agent = "planner", path = "notes/x.txt", content = "x", expected_version = 0 });

        AssertRefusal(refusal, "invalid_argument", currentVersion: null, expectedVersion: null, retryable: false, "fix_arguments");
        Assert.Contains("not managed", refusal.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_publish_is_an_invalid_argument()
    {
        var refusal = await _server.Refused("publish", new { agent = "planner", items = Array.Empty<object>() });

        AssertRefusal(refusal, "invalid_argument", currentVersion: null, expectedVersion: null, retryable: false, "fix_arguments");
    }

    [Fact]
    public async Task A_refused_publish_lists_each_conflict_by_the_callers_path_and_writes_nothing()
    {
        await _server.Ok("write", new { agent = "planner", path = "plans/plan.md", content = "p1" });
        await _server.Ok("write", new { agent = "planner", path = "plans/plan.md", content = "p2" });

        var refusal = await _server.Refused("publish", new
        {
            agent = "reviewer",
            items = new object[]
            {
                new { path = "memory/facts.json", content = "{}", expected_version = 0 },
                new { path = "./plans/plan.md", content = "from v1", expected_version = 1 },
            },
        });

        Assert.Equal("batch_conflict", refusal.GetProperty("reason").GetString());
        Assert.Equal("merge", refusal.GetProperty("next_action").GetString());
        Assert.True(refusal.GetProperty("retryable").GetBoolean());
        var conflict = Assert.Single(refusal.GetProperty("conflicts").EnumerateArray());
        Assert.Equal(1, conflict.GetProperty("index").GetInt32());
        Assert.Equal("./plans/plan.md", conflict.GetProperty("path").GetString());
        Assert.Equal("version_conflict", conflict.GetProperty("reason").GetString());
        Assert.Equal(2, conflict.GetProperty("current_version").GetInt64());
        Assert.Equal(1, conflict.GetProperty("expected_version").GetInt64());
        Assert.True(conflict.GetProperty("retryable").GetBoolean());
        Assert.Equal("merge", conflict.GetProperty("next_action").GetString());
        Assert.Equal(
            "Publish refused; nothing landed. 1 of 2 files refused: './plans/plan.md' version_conflict (current v2, expected v1).",
            refusal.GetProperty("message").GetString());
        Assert.Equal("p2", _server.Disk("plans/plan.md"));
        Assert.False(File.Exists(_server.Workspace.File("memory/facts.json")));
    }

    [Fact]
    public async Task A_publish_refused_for_several_files_reports_each_conflict_with_its_versions()
    {
        await _server.Ok("write", new { agent = "planner", path = "plans/a.md", content = "a1" });
        await _server.Ok("write", new { agent = "planner", path = "plans/b.md", content = "b1" });
        await _server.Ok("write", new { agent = "planner", path = "plans/b.md", content = "b2" });

        var refusal = await _server.Refused("publish", new
        {
            agent = "reviewer",
            items = new object[]
            {
                new { path = "plans/a.md", content = "a from nothing", expected_version = 0 },
                new { path = "memory/new.json", content = "{}", expected_version = 0 },
                new { path = "plans\\b.md", content = "b from v1", expected_version = 1 },
            },
        });

        var conflicts = refusal.GetProperty("conflicts").EnumerateArray().ToList();
        Assert.Equal([0, 2], conflicts.Select(c => c.GetProperty("index").GetInt32()));
        Assert.Equal(["plans/a.md", "plans\\b.md"], conflicts.Select(c => c.GetProperty("path").GetString()));
        Assert.Equal([1L, 2L], conflicts.Select(c => c.GetProperty("current_version").GetInt64()));
        Assert.Equal([0L, 1L], conflicts.Select(c => c.GetProperty("expected_version").GetInt64()));
        Assert.All(conflicts, c => Assert.Equal("version_conflict", c.GetProperty("reason").GetString()));
        Assert.Equal("a1", _server.Disk("plans/a.md"));
        Assert.Equal("b2", _server.Disk("plans/b.md"));
    }

    [Fact]
    public async Task A_publish_blocked_by_a_holder_names_the_held_file_as_the_caller_gave_it()
    {
        await _server.Ok("write", new { agent = "planner", path = "plans/plan.md", content = "v1" });
        await using var client = new CoherenceClient(_server.Volumes.Store, new InMemoryEventBus());
        var holder = client.Agent("holder");
        var key = new ArtifactKey(Volume.CoherentVolume.Namespace, "plans/plan.md");
        await holder.ReadAsync(key);
        await using var grant = await holder.AcquireAsync(key);

        var refusal = await _server.Refused("publish", new
        {
            agent = "reviewer",
            items = new object[]
            {
                new { path = "memory/new.json", content = "{}", expected_version = 0 },
                new { path = "plans/./plan.md", content = "v2", expected_version = 1 },
            },
        });

        AssertRefusal(refusal, "held_by_other", currentVersion: 1, expectedVersion: null, retryable: true, "wait");
        Assert.Equal("plans/./plan.md", refusal.GetProperty("path").GetString());
        Assert.Equal("holder", refusal.GetProperty("holder").GetString());
        Assert.StartsWith("'plans/./plan.md' is held by holder", refusal.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_message_names_the_path_as_the_caller_spelled_it()
    {
        await _server.Ok("write", new { agent = "planner", path = "plans/plan.md", content = "v1" });
        await _server.Ok("read", new { agent = "planner", path = "plans/plan.md" });
        await _server.Ok("read", new { agent = "reviewer", path = "plans/plan.md" });
        await _server.Ok("write", new { agent = "reviewer", path = "plans/plan.md", content = "v2" });

        var stale = await _server.Refused("write", new { agent = "planner", path = "./plans//plan.md", content = "stale" });
        var conflict = await _server.Refused("write_cas", new { agent = "planner", path = "plans/plan.md", content = "late", expected_version = 1 });
        var missing = await _server.Refused("read", new { agent = "planner", path = "plans/missing.md" });

        Assert.Equal("./plans//plan.md", stale.GetProperty("path").GetString());
        Assert.Contains("'./plans//plan.md'", stale.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("'plans/plan.md'", conflict.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("'plans/missing.md'", missing.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_new_agent_beyond_the_limit_is_refused_while_known_agents_keep_working()
    {
        await using var server = await InProcessServer.StartAsync(o => o.MaxAgents = 1);
        await server.Ok("write", new { agent = "planner", path = "plans/plan.md", content = "v1" });

        var refusal = await server.Refused("read", new { agent = "reviewer", path = "plans/plan.md" });

        AssertRefusal(refusal, "too_many_agents", currentVersion: null, expectedVersion: null, retryable: false, "fix_arguments");
        Assert.Equal(1, refusal.GetProperty("max_agents").GetInt32());
        await server.Ok("read", new { agent = "planner", path = "plans/plan.md" });
    }

    [Fact]
    public async Task A_stale_epoch_carries_both_epochs_and_the_reclaim_and_says_reacquire()
    {
        var store = new RefusingDirectoryStore(new InMemoryDirectoryStore());
        await using var server = await InProcessServer.StartAsync(store: store);
        await server.Ok("write", new { agent = "planner", path = "plans/plan.md", content = "v1" });
        var reclaimedAt = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        store.NextCommitRefusal = (key, current) => new Refusal(RefusalReason.StaleEpoch, key, current)
        {
            ReadEpoch = 0,
            OwnerEpoch = 1,
            Reclaim = new ReclaimInfo(ReclaimTrigger.Heartbeat, reclaimedAt, 1),
            Agent = new AgentId("planner"),
        };

        var refusal = await server.Refused("write", new { agent = "planner", path = "plans/plan.md", content = "zombie" });

        AssertRefusal(refusal, "stale_epoch", currentVersion: 1, expectedVersion: null, retryable: true, "reacquire");
        Assert.Equal(0, refusal.GetProperty("read_epoch").GetInt64());
        Assert.Equal(1, refusal.GetProperty("owner_epoch").GetInt64());
        Assert.Equal("Heartbeat", refusal.GetProperty("reclaimed").GetProperty("trigger").GetString());
    }

    [Fact]
    public async Task Not_owner_says_reacquire()
    {
        var store = new RefusingDirectoryStore(new InMemoryDirectoryStore());
        await using var server = await InProcessServer.StartAsync(store: store);
        store.NextCommitRefusal = (key, current) => new Refusal(RefusalReason.NotOwner, key, current) { Agent = new AgentId("planner") };

        var refusal = await server.Refused("write", new { agent = "planner", path = "plans/plan.md", content = "x" });

        AssertRefusal(refusal, "not_owner", currentVersion: 0, expectedVersion: null, retryable: false, "reacquire");
    }

    [Fact]
    public async Task A_busy_store_is_retryable_and_says_wait()
    {
        var store = new RefusingDirectoryStore(new InMemoryDirectoryStore());
        await using var server = await InProcessServer.StartAsync(store: store);
        // Busy through every attempt the client makes (a busy store applied nothing, so it retries).
        store.NextCommitThrows = new StoreBusyException("directory.db", "CommitCas", 3, TimeSpan.FromSeconds(5));
        store.ThrowTimes = int.MaxValue;

        var refusal = await server.Refused("write_cas", new { agent = "planner", path = "plans/plan.md", content = "x", expected_version = 0 });

        AssertRefusal(refusal, "store_busy", currentVersion: null, expectedVersion: null, retryable: true, "wait");
    }

    [Fact]
    public async Task An_unexpected_failure_is_an_internal_error_and_the_server_keeps_serving()
    {
        var store = new RefusingDirectoryStore(new InMemoryDirectoryStore());
        await using var server = await InProcessServer.StartAsync(store: store);
        // A bug (here a broken invariant) is not a store failure: the client does not retry it.
        store.NextCommitThrows = new InvariantViolationException("disk on fire");

        var refusal = await server.Refused("write", new { agent = "planner", path = "memory/a.json", content = "x" });

        AssertRefusal(refusal, "internal_error", currentVersion: null, expectedVersion: null, retryable: false, "report");
        Assert.Contains("disk on fire", refusal.GetProperty("message").GetString(), StringComparison.Ordinal);
        var next = await server.Ok("write", new { agent = "planner", path = "plans/plan.md", content = "still here" });
        Assert.Equal(1, next.GetProperty("version").GetInt64());
    }

    internal static void AssertRefusal(JsonElement refusal, string reason, long? currentVersion, long? expectedVersion, bool retryable, string nextAction)
    {
        Assert.Equal(reason, refusal.GetProperty("reason").GetString());
        Assert.Equal(currentVersion, Nullable(refusal.GetProperty("current_version")));
        Assert.Equal(expectedVersion, Nullable(refusal.GetProperty("expected_version")));
        Assert.Equal(retryable, refusal.GetProperty("retryable").GetBoolean());
        Assert.Equal(nextAction, refusal.GetProperty("next_action").GetString());
        Assert.False(string.IsNullOrWhiteSpace(refusal.GetProperty("message").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(refusal.GetProperty("advice").GetString()));
    }

    private static long? Nullable(JsonElement element) => element.ValueKind == JsonValueKind.Null ? null : element.GetInt64();
}

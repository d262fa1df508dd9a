using Microsoft.Agents.AI;

namespace AgentCoherence.AgentFramework.Tests;

#pragma warning disable MAAI001 // AgentFileStore is experimental in the framework.

/// <summary>The file store's own rules, called directly (no model).</summary>
public sealed class CoherentAgentFileStoreTests
{
    [Fact]
    public async Task Outside_an_agent_run_the_configured_agent_reads_and_writes()
    {
        await using var client = CoherenceClient.CreateInMemory();
        var files = new CoherentAgentFileStore(client, new CoherentAgentFileStoreOptions { AgentId = "indexer" });

        await files.WriteAsync("notes/a.md", "alpha");

        Assert.Equal("alpha", await files.ReadAsync("notes/a.md"));
        Assert.Equal("indexer", (await client.Agent("auditor").ReadAsync("notes/a.md")).LastWriter?.Value);
    }

    [Fact]
    public async Task Outside_an_agent_run_without_an_agent_id_the_call_fails_with_what_to_set()
    {
        await using var client = CoherenceClient.CreateInMemory();
        var files = new CoherentAgentFileStore(client);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => files.ReadAsync("notes/a.md"));
        Assert.Contains("CoherentAgentFileStoreOptions.AgentId", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_write_over_a_version_the_agent_has_not_seen_is_refused_but_a_derived_index_is_rewritten()
    {
        await using var client = CoherenceClient.CreateInMemory();
        var alice = new CoherentAgentFileStore(client, new CoherentAgentFileStoreOptions { AgentId = "alice" });
        var bob = new CoherentAgentFileStore(client, new CoherentAgentFileStoreOptions { AgentId = "bob" });
        await alice.WriteAsync("memory/notes.md", "alice's note");
        await alice.WriteAsync("memory/memories.md", "index by alice");

        await Assert.ThrowsAsync<StaleViewException>(() => bob.WriteAsync("memory/notes.md", "bob's note"));
        await bob.WriteAsync("memory/memories.md", "index by bob");

        Assert.Equal("alice's note", await bob.ReadAsync("memory/notes.md"));
        Assert.Equal("index by bob", await alice.ReadAsync("memory/memories.md"));
    }

    [Fact]
    public async Task Listing_searching_and_deleting_see_the_artifacts_as_files()
    {
        await using var client = CoherenceClient.CreateInMemory();
        var files = new CoherentAgentFileStore(client, new CoherentAgentFileStoreOptions { AgentId = "alice", KeyPrefix = "files/" });
        await files.WriteAsync("plans/plan.md", "# Plan\n- ship it\n");
        await files.WriteAsync("plans/drafts/old.md", "nothing\n");
        await files.WriteAsync("readme.md", "hello\n");
        await client.Agent("other").WriteAsync("elsewhere.md", "not a file of this store");

        var root = await files.ListChildrenAsync("");
        var plans = await files.ListChildrenAsync("plans");
        var hits = await files.SearchAsync("plans", "ship", recursive: true);

        Assert.Equal(["plans/directory", "readme.md/file"], root.Select(e => $"{e.Name}/{e.Type}"));
        Assert.Equal(["drafts/directory", "plan.md/file"], plans.Select(e => $"{e.Name}/{e.Type}"));
        var hit = Assert.Single(hits);
        Assert.Equal("plan.md", hit.FileName);
        Assert.Equal(2, Assert.Single(hit.MatchingLines).LineNumber);
        Assert.Empty(await files.SearchAsync("plans", "nothing", recursive: false));
        Assert.True(await files.FileExistsAsync("readme.md"));

        Assert.True(await files.DeleteAsync("readme.md"));
        Assert.False(await files.DeleteAsync("readme.md"));
        Assert.False(await files.FileExistsAsync("readme.md"));
        Assert.Null(await files.ReadAsync("readme.md"));
        Assert.Equal(["plans/directory"], (await files.ListChildrenAsync("/")).Select(e => $"{e.Name}/{e.Type}"));
    }

    [Fact]
    public async Task A_path_leaving_the_root_is_refused_with_an_argument_error()
    {
        await using var client = CoherenceClient.CreateInMemory();
        var files = new CoherentAgentFileStore(client, new CoherentAgentFileStoreOptions { AgentId = "alice" });

        await Assert.ThrowsAsync<ArgumentException>(() => files.WriteAsync("../secrets.md", "x"));
    }
}

namespace AgentCoherence.Tests.Protocol;

public sealed class BadInputTests
{
    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("plans/\nplan.md")]
    [InlineData("plans/\u0000plan.md")]
    public void Invalid_artifact_names_are_refused_with_a_typed_error(string name)
    {
        var error = Assert.Throws<CoherenceArgumentException>(() => new ArtifactKey("team", name));
        Assert.Equal("name", error.ParamName);
    }

    [Fact]
    public void Oversized_names_and_namespaces_are_refused_naming_the_limit()
    {
        var error = Assert.Throws<CoherenceArgumentException>(() => new ArtifactKey("team", new string('x', ArtifactKey.MaxNameLength + 1)));
        Assert.Contains("513", error.Message, StringComparison.Ordinal);
        Assert.Contains("512", error.Message, StringComparison.Ordinal);
        Assert.Throws<CoherenceArgumentException>(() => new ArtifactKey(new string('n', ArtifactKey.MaxNamespaceLength + 1), "x"));
        Assert.Throws<CoherenceArgumentException>(() => new ArtifactKey(null!, "x"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("two words")]
    [InlineData("tab\there")]
    [InlineData("#sweeper")]
    public void Invalid_agent_ids_are_refused(string id) =>
        Assert.Throws<CoherenceArgumentException>(() => new AgentId(id));

    [Fact]
    public void Store_keys_never_collide_even_when_parts_contain_the_separator()
    {
        var a = new ArtifactKey("a:b", "c");
        var b = new ArtifactKey("a", "b:c");
        Assert.NotEqual(a.StoreKey, b.StoreKey);
        Assert.NotEqual(a, b);
        Assert.Equal(a, ArtifactKey.FromStoreKey(a.StoreKey));
        Assert.Equal(b, ArtifactKey.FromStoreKey(b.StoreKey));
        var tricky = new ArtifactKey("x%3A", "{tag}%");
        Assert.Equal(tricky, ArtifactKey.FromStoreKey(tricky.StoreKey));
        Assert.DoesNotContain('{', tricky.StoreKey);
    }

    [Fact]
    public async Task Oversized_content_is_refused_before_anything_changes()
    {
        await using var coherence = CoherenceClient.CreateInMemory(new CoherenceOptions { MaxContentBytes = 16 });
        await using var agent = coherence.Agent("a");
        var error = await Assert.ThrowsAsync<CoherenceArgumentException>(() => agent.WriteAsync("doc", new string('x', 17)).AsTask());
        Assert.Equal("content", error.ParamName);
        Assert.Null(await coherence.Store.InspectAsync(coherence.Key("doc")));
        await agent.WriteAsync("doc", new string('x', 16));
    }

    [Fact]
    public async Task An_agent_the_store_no_longer_knows_registers_again_and_must_re_read_before_writing()
    {
        await using var coherence = CoherenceClient.CreateInMemory();
        await using var agent = coherence.Agent("a");
        await agent.WriteAsync("doc", "v1");
        await coherence.Store.ForgetAsync(agent.Id);

        // Registered again, but the store holds no view of the agent's any more: a typed, recoverable refusal.
        var error = await Assert.ThrowsAsync<StaleViewException>(() => agent.WriteAsync("doc", "v2").AsTask());
        Assert.True(error.IsRetryable);
        await agent.HeartbeatAsync();
        var current = await agent.ReacquireAsync("doc");
        Assert.Equal(2, (await agent.WriteAsync("doc", current.Text + " v2")).Version);
    }

    [Fact]
    public async Task Two_live_agents_with_one_name_in_a_client_are_refused()
    {
        await using var coherence = CoherenceClient.CreateInMemory();
        await using var first = coherence.Agent("twin");
        Assert.Throws<CoherenceArgumentException>(() => coherence.Agent("twin"));
    }

    [Fact]
    public async Task A_publish_naming_an_artifact_twice_or_empty_is_refused()
    {
        await using var coherence = CoherenceClient.CreateInMemory();
        await using var agent = coherence.Agent("a");
        var key = coherence.Key("doc");
        await Assert.ThrowsAsync<CoherenceArgumentException>(() => agent.PublishAsync([new PublishItem(key, "1", 0), new PublishItem(key, "2", 0)]).AsTask());
        await Assert.ThrowsAsync<CoherenceArgumentException>(() => agent.PublishAsync([]).AsTask());
    }

    [Fact]
    public async Task Reading_a_missing_artifact_throws_not_found_and_TryRead_returns_null()
    {
        await using var coherence = CoherenceClient.CreateInMemory();
        await using var agent = coherence.Agent("a");
        var error = await Assert.ThrowsAsync<ArtifactNotFoundException>(() => agent.ReadAsync("nothing").AsTask());
        Assert.Equal(0, error.TombstoneVersion);
        Assert.Null(await agent.TryReadAsync(coherence.Key("nothing")));
    }

    [Fact]
    public async Task Deleted_artifacts_read_as_not_found_carrying_the_tombstone_and_recreate_from_it()
    {
        await using var coherence = CoherenceClient.CreateInMemory();
        await using var a = coherence.Agent("a");
        await using var b = coherence.Agent("b");
        var key = coherence.Key("doc");
        await a.WriteAsync(key, "v1");
        var oldIncarnation = await b.ReadAsync(key);
        Assert.Equal(2, await a.DeleteAsync(key));
        var gone = await Assert.ThrowsAsync<ArtifactNotFoundException>(() => b.ReadAsync(key).AsTask());
        Assert.Equal(2, gone.TombstoneVersion);
        var reborn = await b.WriteCasAsync(key, "reborn", gone.TombstoneVersion);
        Assert.Equal(3, reborn.Version);
        await Assert.ThrowsAsync<VersionConflictException>(() => a.WriteCasAsync(key, "old", oldIncarnation.Version).AsTask());
    }

    [Fact]
    public void Invalid_options_fail_with_messages_naming_the_setting()
    {
        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => CoherenceClient.CreateInMemory(new CoherenceOptions
        {
            HeartbeatInterval = TimeSpan.FromMinutes(5),
            MaxContentBytes = 0,
        }));
        Assert.Contains(error.Failures, f => f.Contains("AgentCoherence:HeartbeatInterval", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("AgentCoherence:MaxContentBytes", StringComparison.Ordinal));
    }
}

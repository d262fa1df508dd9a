using AgentCoherence.Redis.Internal;
using AgentCoherence.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using static AgentCoherence.Testing.StoreTestExtensions;
using AgentCoherence.Protocol;

namespace AgentCoherence.Redis.Tests;

/// <summary>What is particular to the Redis store: key layout, binary content, exact times, configuration.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisStoreTests(RedisFixture redis)
{
    [SkippableFact]
    public async Task An_artifacts_keys_share_its_hash_tag_under_the_prefix_as_the_readme_documents()
    {
        var prefix = RedisFixture.NewPrefix();
        var store = redis.NewStore(TimeProvider.System, prefix);
        AgentId alice = "alice";
        var key = new ArtifactKey("team", "plans/{x}:plan.md");
        await store.RegisterAgentAsync(alice);
        (await store.AcquireAsync(alice, key)).Ok();
        (await store.CommitAsync(alice, key, Text("v1"))).Ok();

        var db = redis.Connection.GetDatabase();
        const string tag = "{team:plans/%7Bx%7D%3Aplan.md}";
        Assert.True(await db.KeyExistsAsync(prefix + tag + ":rec"));
        Assert.True(await db.KeyExistsAsync(prefix + tag + ":holders"));
        Assert.True(await db.HashExistsAsync(prefix + "agents", "alice"));
        Assert.True(await db.SetContainsAsync(prefix + "granted", "team:plans/%7Bx%7D%3Aplan.md"));
        Assert.True(await db.SetContainsAsync(prefix + "touched:alice", "team:plans/%7Bx%7D%3Aplan.md"));

        Assert.True(await store.ReleaseAsync(alice, key));
        Assert.False(await db.SetContainsAsync(prefix + "granted", "team:plans/%7Bx%7D%3Aplan.md"));
    }

    [SkippableFact]
    public async Task The_operation_log_is_one_hash_per_agent_that_stays_bounded_and_goes_with_forget()
    {
        var prefix = RedisFixture.NewPrefix();
        var store = redis.NewStore(TimeProvider.System, prefix);
        AgentId alice = "alice";
        var key = new ArtifactKey("team", "plan.md");
        await store.RegisterAgentAsync(alice);
        (await store.AcquireAsync(alice, key, new OperationId("first"))).Ok();
        var db = redis.Connection.GetDatabase();
        RedisKey ops = prefix + "ops:alice";
        Assert.Equal(RedisType.Hash, await db.KeyTypeAsync(ops));
        Assert.Equal("1", (string?)await db.HashGetAsync(ops, "#"));
        Assert.StartsWith("1\n", (string?)await db.HashGetAsync(ops, "first"), StringComparison.Ordinal);

        // No id, or a refusal: nothing recorded.
        (await store.CommitAsync(alice, key, Text("v1"))).Ok();
        (await store.CommitCasAsync(alice, key, Text("x"), 0, new OperationId("refused"))).Refused(RefusalReason.VersionConflict);
        Assert.Equal(2, await db.HashLengthAsync(ops));

        for (var i = 0; i < 300; i++)
        {
            (await store.CommitAsync(alice, key, Text($"c{i}"), new OperationId($"op-{i}"))).Ok();
            Assert.InRange(await db.HashLengthAsync(ops), 2, (2 * OperationLog.KeptPerAgent) + 1);
        }

        Assert.True(await store.ForgetAsync(alice));
        Assert.False(await db.KeyExistsAsync(ops));
    }

    [SkippableFact]
    public async Task Content_is_stored_binary_safe()
    {
        var store = redis.NewStore(TimeProvider.System);
        AgentId alice = "alice";
        var key = new ArtifactKey("team", "blob.bin");
        var bytes = Enumerable.Range(0, 256).Select(i => (byte)i).Concat(new byte[] { 0, 0, 255 }).ToArray();
        await store.RegisterAgentAsync(alice);
        (await store.CommitCasAsync(alice, key, ContentPayload.Create(bytes, 3), 0)).Ok();
        var read = await store.ReadAsync(alice, key);
        Assert.Equal(bytes, read.Content);
        Assert.Equal(ContentPayload.HashHex(bytes), read.ContentHash);
    }

    [SkippableFact]
    public async Task Empty_content_is_not_a_tombstone()
    {
        var store = redis.NewStore(TimeProvider.System);
        AgentId alice = "alice";
        var key = new ArtifactKey("team", "empty.md");
        await store.RegisterAgentAsync(alice);
        (await store.CommitCasAsync(alice, key, Text(string.Empty), 0)).Ok();
        var read = await store.ReadAsync(alice, key);
        Assert.Null(read.Refusal);
        Assert.Equal([], read.Content!);
    }

    [SkippableFact]
    public async Task Times_round_trip_to_the_exact_tick_and_the_sweep_compares_them_exactly()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero).AddTicks(1_234_567));
        var store = redis.NewStore(time);
        AgentId alice = "alice", bob = "bob";
        var key = new ArtifactKey("team", "plan.md");
        await store.RegisterAgentAsync(alice);
        await store.RegisterAgentAsync(bob);
        var grantedAt = time.GetUtcNow();
        (await store.AcquireAsync(alice, key)).Ok();
        Assert.Equal(grantedAt, (await store.InspectAsync(key))!.Holders[alice].GrantedAt);

        // One tick short of the timeout: still live. At the timeout exactly: reclaimed.
        time.Advance(TimeSpan.FromMinutes(2) - TimeSpan.FromTicks(1));
        await store.HeartbeatAsync(bob);
        Assert.Empty((await store.SweepAsync(SweepPolicy.Default)).Reclaimed);
        time.Advance(TimeSpan.FromTicks(1));
        var reclaimed = Assert.Single((await store.SweepAsync(SweepPolicy.Default)).Reclaimed);
        Assert.Equal(time.GetUtcNow(), reclaimed.Info.At);
        Assert.Equal(time.GetUtcNow(), (await store.InspectAsync(key))!.Holders[alice].LastReclaim!.At);
    }

    [SkippableFact]
    public async Task Sweep_visits_only_granted_artifacts_and_those_touched_by_silent_agents()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
        var prefix = RedisFixture.NewPrefix();
        var store = redis.NewStore(time, prefix);
        AgentId alice = "alice";
        await store.RegisterAgentAsync(alice);
        for (var i = 0; i < 5; i++)
        {
            (await store.CommitCasAsync(alice, new ArtifactKey("team", $"doc{i}"), Text("v1"), 0)).Ok();
        }

        (await store.AcquireAsync(alice, new ArtifactKey("team", "doc3"))).Ok();
        var db = redis.Connection.GetDatabase();
        Assert.Equal(1, await db.SetLengthAsync(prefix + "granted"));
        time.Advance(TimeSpan.FromHours(25));
        var result = await store.SweepAsync(SweepPolicy.Default);
        Assert.Single(result.Reclaimed);
        Assert.Equal(4, result.PrunedEntries);
        Assert.Equal(0, await db.SetLengthAsync(prefix + "granted"));
        Assert.Equal(1, await db.SetLengthAsync(prefix + "touched:alice"));
    }

    [SkippableFact]
    public async Task Signals_and_reclaims_come_in_the_rules_ordinal_order_also_for_characters_outside_the_basic_plane()
    {
        // UTF-8 byte order and UTF-16 ordinal order disagree exactly here: U+E000..U+FFFF against
        // characters above U+FFFF. The scripts must follow the rules (UTF-16 ordinal).
        AgentId[] readers = ["\uE000-private", "\U0001F600-emoji", "\uFFFD-replacement", "plain", "\u00E9-accent"];
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
        var reference = new InMemoryDirectoryStore(time);
        var store = redis.NewStore(time);
        AgentId writer = "writer";
        ArtifactKey[] keys = [new("team", "\uE000"), new("team", "\U0001F600"), new("team", "z")];
        foreach (var s in new IDirectoryStore[] { reference, store })
        {
            await s.RegisterAgentAsync(writer);
            foreach (var reader in readers)
            {
                await s.RegisterAgentAsync(reader);
            }

            foreach (var key in keys)
            {
                (await s.CommitCasAsync(writer, key, Text("v1"), 0)).Ok();
                foreach (var reader in readers)
                {
                    await s.ReadAsync(reader, key);
                }
            }
        }

        var expected = (await reference.CommitCasAsync(writer, keys[0], Text("v2"), 1)).Signals.Select(x => x.Recipient.Value).ToArray();
        var actual = (await store.CommitCasAsync(writer, keys[0], Text("v2"), 1)).Signals.Select(x => x.Recipient.Value).ToArray();
        Assert.Equal(expected, actual);
        Assert.Equal(readers.Length, actual.Length);

        foreach (var s in new IDirectoryStore[] { reference, store })
        {
            foreach (var key in keys.Reverse())
            {
                await s.ReadAsync(readers[0], key);
                (await s.AcquireAsync(readers[0], key)).Ok();
            }
        }

        time.Advance(TimeSpan.FromMinutes(3));
        var expectedOrder = (await reference.SweepAsync(SweepPolicy.Default)).Reclaimed.Select(r => r.Key.StoreKey).ToArray();
        var actualOrder = (await store.SweepAsync(SweepPolicy.Default)).Reclaimed.Select(r => r.Key.StoreKey).ToArray();
        Assert.Equal(3, expectedOrder.Length);
        Assert.Equal(expectedOrder, actualOrder);
    }

    [Fact]
    public void A_key_prefix_has_a_cluster_hash_tag_only_with_something_between_braces()
    {
        Assert.True(RedisKeys.HasHashTag("{team-a}coherence:"));
        Assert.True(RedisKeys.HasHashTag("coherence:{team-a}:"));
        Assert.False(RedisKeys.HasHashTag("coherence:"));
        Assert.False(RedisKeys.HasHashTag("{}coherence:"));
        Assert.False(RedisKeys.HasHashTag("coherence:{"));
    }

    [SkippableFact]
    public async Task UseRedis_binds_appsettings_and_registers_one_shared_multiplexer()
    {
        var prefix = RedisFixture.NewPrefix();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AgentCoherence:CrashRecovery:Enabled"] = "false",
            ["AgentCoherence:Redis:ConnectionString"] = redis.ConnectionString,
            ["AgentCoherence:Redis:KeyPrefix"] = prefix,
        }).Build();
        var services = new ServiceCollection();
        services.AddAgentCoherence(configuration.GetSection("AgentCoherence")).UseRedis(configuration.GetSection("AgentCoherence:Redis"));
        await using var provider = services.BuildServiceProvider();

        Assert.IsType<RedisDirectoryStore>(provider.GetRequiredService<IDirectoryStore>());
        Assert.Same(provider.GetRequiredService<IConnectionMultiplexer>(), provider.GetRequiredService<IConnectionMultiplexer>());
        var client = provider.GetRequiredService<CoherenceClient>();
        await using (var planner = client.Agent("planner"))
        {
            await planner.WriteAsync("plans/plan.md", "# Plan");
            Assert.Equal("# Plan", (await planner.ReadAsync("plans/plan.md")).Text);
        }

        Assert.True(await redis.Connection.GetDatabase().KeyExistsAsync(prefix + "{default:plans/plan.md}:rec"));
    }

    [SkippableTheory]
    [InlineData(0, RedisClock.Server, "MaxArtifactsPerScript")]
    [InlineData(1001, RedisClock.Server, "MaxArtifactsPerScript")]
    [InlineData(100, (RedisClock)7, "Clock")]
    public async Task Out_of_range_clock_or_batch_size_is_refused_naming_the_setting(int maxArtifactsPerScript, RedisClock clock, string setting)
    {
        var options = new RedisStoreOptions { KeyPrefix = RedisFixture.NewPrefix(), MaxArtifactsPerScript = maxArtifactsPerScript, Clock = clock };
        var refused = Assert.Throws<CoherenceArgumentException>(() => new RedisDirectoryStore(redis.Connection, options));
        Assert.Contains("AgentCoherence:Redis:" + setting, refused.Message, StringComparison.Ordinal);

        var services = new ServiceCollection();
        services.AddSingleton(redis.Connection);
        services.AddAgentCoherence(o => o.CrashRecovery.Enabled = false).UseRedis(o =>
        {
            o.KeyPrefix = options.KeyPrefix;
            o.MaxArtifactsPerScript = maxArtifactsPerScript;
            o.Clock = clock;
        });
        await using var provider = services.BuildServiceProvider();
        var invalid = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<RedisStoreOptions>>().Value);
        Assert.Contains("AgentCoherence:Redis:" + setting, invalid.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task UseRedis_reuses_a_multiplexer_the_application_already_registered()
    {
        var services = new ServiceCollection();
        services.AddSingleton(redis.Connection);
        services.AddAgentCoherence(o => o.CrashRecovery.Enabled = false).UseRedis(o => o.KeyPrefix = RedisFixture.NewPrefix());
        await using var provider = services.BuildServiceProvider();
        Assert.Same(redis.Connection, provider.GetRequiredService<IConnectionMultiplexer>());
        var store = provider.GetRequiredService<IDirectoryStore>();
        await store.RegisterAgentAsync("alice");
        Assert.Null(await store.HeartbeatAsync("alice"));
    }
}

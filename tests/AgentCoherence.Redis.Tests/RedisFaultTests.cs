using System.Globalization;
using System.Net;
using AgentCoherence.Testing;
using AgentCoherence.Testing.Servers;
using StackExchange.Redis;
using static AgentCoherence.Testing.StoreTestExtensions;
using AgentCoherence.Protocol;

namespace AgentCoherence.Redis.Tests;

/// <summary>Connections cut mid-operation, a crashed and restarted server, scripts flushed from the server.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisFaultTests(RedisFixture redis)
{
    private static readonly string CommitCasSha = Convert.ToHexStringLower(RedisScripts.CommitCas.Sha);

    // What the proxy looks for in a request to recognise a CommitCas: the SHA-1 that EVALSHA sends, or
    // the function name that FCALL sends.
    private static string CommitCasMarker(RedisScriptMode mode) => mode == RedisScriptMode.Eval ? CommitCasSha : RedisScripts.CommitCas.FunctionName;

    [SkippableTheory]
    [InlineData(true, RedisScriptMode.Functions)]
    [InlineData(false, RedisScriptMode.Functions)]
    [InlineData(true, RedisScriptMode.Eval)]
    [InlineData(false, RedisScriptMode.Eval)]
    public async Task A_commit_cut_mid_flight_throws_OutcomeUnknown_and_landed_exactly_as_the_cut_allowed(bool reachedRedis, RedisScriptMode mode)
    {
        await using var proxy = ProxyToServer();
        await using var connection = await ConnectThrough(proxy);
        var store = new RedisDirectoryStore(connection, new RedisStoreOptions { KeyPrefix = RedisFixture.NewPrefix(), ScriptMode = mode });
        AgentId agent = "writer";
        var key = new ArtifactKey("team", "notes.md");
        await store.RegisterAgentAsync(agent);
        (await store.CommitCasAsync(agent, key, Text("v1"), 0)).Ok();

        Assert.Equal(mode, store.ScriptMode);
        proxy.CutOnRequest(CommitCasMarker(mode), deliverRequest: reachedRedis);
        var unknown = await Assert.ThrowsAsync<OutcomeUnknownException>(async () => await store.CommitCasAsync(agent, key, Text("v2"), 1));
        Assert.Equal(key, unknown.Key);
        Assert.Equal(1, proxy.Cuts);

        var after = await store.ReadAsync(agent, key);
        Assert.Equal(reachedRedis ? 2 : 1, after.Version);
        Assert.Equal(reachedRedis ? "v2" : "v1", after.TextOf());
    }

    [SkippableTheory]
    [InlineData(true, RedisScriptMode.Functions)]
    [InlineData(false, RedisScriptMode.Functions)]
    [InlineData(true, RedisScriptMode.Eval)]
    [InlineData(false, RedisScriptMode.Eval)]
    public async Task An_agent_resolves_a_cut_commit_by_retrying_with_the_same_operation_id_and_never_applies_an_increment_twice(bool reachedRedis, RedisScriptMode mode)
    {
        await using var proxy = ProxyToServer();
        await using var connection = await ConnectThrough(proxy);
        var store = new RedisDirectoryStore(connection, new RedisStoreOptions { KeyPrefix = RedisFixture.NewPrefix(), ScriptMode = mode });
        await using var client = new CoherenceClient(store, new InMemoryEventBus(), new CoherenceOptions { CrashRecovery = { Enabled = false } });
        await using var agent = client.Agent("counter");
        var key = client.Key("counter");

        for (var i = 1; i <= 20; i++)
        {
            if (i % 5 == 0)
            {
                proxy.CutOnRequest(CommitCasMarker(mode), deliverRequest: reachedRedis);
            }

            await agent.UpdateAsync(key, current => ((current is null ? 0 : int.Parse(current.Text, CultureInfo.InvariantCulture)) + 1).ToString(CultureInfo.InvariantCulture));
            Assert.False(proxy.Armed);
        }

        Assert.Equal(4, proxy.Cuts);
        var record = (await store.InspectAsync(key))!;
        Assert.Equal(20, record.Version);
        Assert.Equal("20", System.Text.Encoding.UTF8.GetString(record.Content!));
    }

    [SkippableTheory]
    [InlineData("Acquire", RedisScriptMode.Functions)]
    [InlineData("Commit", RedisScriptMode.Functions)]
    [InlineData("CommitCas", RedisScriptMode.Functions)]
    [InlineData("Delete", RedisScriptMode.Functions)]
    [InlineData("DeleteCas", RedisScriptMode.Functions)]
    [InlineData("CommitAll", RedisScriptMode.Functions)]
    [InlineData("Release", RedisScriptMode.Functions)]
    [InlineData("Commit", RedisScriptMode.Eval)]
    [InlineData("CommitCas", RedisScriptMode.Eval)]
    [InlineData("CommitAll", RedisScriptMode.Eval)]
    [InlineData("Release", RedisScriptMode.Eval)]
    public async Task A_write_whose_reply_was_cut_is_OutcomeUnknown_with_its_id_and_the_retry_returns_the_landed_result_once(string kind, RedisScriptMode mode)
    {
        await using var proxy = ProxyToServer();
        await using var connection = await ConnectThrough(proxy);
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        var store = new RedisDirectoryStore(connection, new RedisStoreOptions { KeyPrefix = RedisFixture.NewPrefix(), ScriptMode = mode, Clock = RedisClock.Client }, time);
        var reference = new InMemoryDirectoryStore(time);
        AgentId writer = "writer", reader = "reader";
        ArtifactKey key = new("team", "notes.md"), other = new("team", "other.md");
        var op = OperationId.New();
        async Task<string> Write(IDirectoryStore s) => kind switch
        {
            "Acquire" => Show(await s.AcquireAsync(writer, key, op)),
            "Commit" => Show(await s.CommitAsync(writer, key, Text("v2"), op)),
            "CommitCas" => Show(await s.CommitCasAsync(writer, key, Text("v2"), 1, op)),
            "Delete" => Show(await s.DeleteAsync(writer, key, null, op)),
            "DeleteCas" => Show(await s.DeleteAsync(writer, key, 1, op)),
            "CommitAll" => Show(await s.CommitAllAsync(writer, [new BatchMember(key, Text("v2"), 1), new BatchMember(other, Text("o1"), 0)], op)),
            _ => (await s.ReleaseAsync(writer, key, op)).ToString(),
        };

        foreach (var s in new IDirectoryStore[] { reference, store })
        {
            await s.RegisterAgentAsync(writer);
            await s.RegisterAgentAsync(reader);
            (await s.CommitCasAsync(writer, key, Text("v1"), 0)).Ok();
            await s.ReadAsync(reader, key);
            await s.ReadAsync(writer, key);
            if (kind is "Commit" or "Delete" or "Release")
            {
                (await s.AcquireAsync(writer, key)).Ok();
            }
        }

        var expected = await Write(reference);
        var script = kind switch
        {
            "Acquire" => RedisScripts.Acquire,
            "Commit" or "Delete" => RedisScripts.Commit,
            "CommitCas" or "DeleteCas" => RedisScripts.CommitCas,
            "CommitAll" => RedisScripts.CommitAll,
            _ => RedisScripts.Release,
        };
        proxy.CutOnRequest(mode == RedisScriptMode.Eval ? Convert.ToHexStringLower(script.Sha) : script.FunctionName, deliverRequest: true);
        var unknown = await Assert.ThrowsAsync<OutcomeUnknownException>(() => Write(store));
        Assert.Equal(1, proxy.Cuts);
        Assert.Equal(op, unknown.OperationId);
        Assert.Equal(key, unknown.Key);
        Assert.Equal(kind == "DeleteCas" ? "Delete" : kind, unknown.Operation);
        Assert.True(unknown.MayHaveLanded);
        Assert.IsNotType<OutcomeUnknownException>(unknown.InnerException);

        // The write landed once: the retries return what it returned, and apply nothing more.
        Assert.Equal(expected, await Write(store));
        Assert.Equal(expected, await Write(store));
        foreach (var k in new[] { key, other })
        {
            Assert.Equal(StoreDifferentialTests.Describe(await reference.InspectAsync(k)), StoreDifferentialTests.Describe(await store.InspectAsync(k)));
        }
    }

    [SkippableTheory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public async Task With_the_server_unreachable_every_store_method_throws_the_librarys_own_fault_types(bool scriptsLoaded, bool failFast)
    {
        var proxy = ProxyToServer();
        var options = ConfigurationOptions.Parse(redis.ConnectionString);
        options.EndPoints.Clear();
        options.EndPoints.Add(IPAddress.Loopback, proxy.Port);
        options.AbortOnConnectFail = false;
        options.AsyncTimeout = 500;
        options.SyncTimeout = 500;
        options.ConnectTimeout = 500;
        if (failFast)
        {
            options.BacklogPolicy = BacklogPolicy.FailFast;
        }

        await using var connection = await ConnectionMultiplexer.ConnectAsync(options);
        var store = new RedisDirectoryStore(connection, new RedisStoreOptions { KeyPrefix = RedisFixture.NewPrefix() });
        AgentId agent = "alice";
        var key = new ArtifactKey("team", "plan.md");
        if (scriptsLoaded)
        {
            await store.RegisterAgentAsync(agent);
            (await store.CommitCasAsync(agent, key, Text("v1"), 0)).Ok();
        }

        // Once the multiplexer knows the connection is gone, nothing is written to a socket (a write
        // sent on the dying socket before that would rightly be "may have landed").
        await proxy.DisposeAsync();
        for (var waited = 0; connection.IsConnected && waited < 100; waited++)
        {
            await Task.Delay(50);
        }

        Assert.False(connection.IsConnected);
        var calls = new (string Operation, Func<Task> Call)[]
        {
            ("RegisterAgent", async () => await store.RegisterAgentAsync(agent)),
            ("Heartbeat", async () => await store.HeartbeatAsync(agent)),
            ("Read", async () => await store.ReadAsync(agent, key)),
            ("Acquire", async () => await store.AcquireAsync(agent, key, OperationId.New())),
            ("Commit", async () => await store.CommitAsync(agent, key, Text("x"), OperationId.New())),
            ("CommitCas", async () => await store.CommitCasAsync(agent, key, Text("x"), 1, OperationId.New())),
            ("CommitAll", async () => await store.CommitAllAsync(agent, [new BatchMember(key, Text("x"), 1)], OperationId.New())),
            ("Delete", async () => await store.DeleteAsync(agent, key, null, OperationId.New())),
            ("Delete", async () => await store.DeleteAsync(agent, key, 1, OperationId.New())),
            ("Release", async () => await store.ReleaseAsync(agent, key, OperationId.New())),
            ("Forget", async () => await store.ForgetAsync(agent)),
            ("Sweep", async () => await store.SweepAsync(SweepPolicy.Default)),
            ("Inspect", async () => await store.InspectAsync(key)),
        };

        var failures = await Task.WhenAll(calls.Select(async c =>
        {
            try
            {
                await c.Call();
                return (c.Operation, (Exception?)null);
            }
            catch (Exception ex)
            {
                return (c.Operation, ex);
            }
        }));

        var endpoint = $"127.0.0.1:{proxy.Port}";
        foreach (var (operation, failure) in failures)
        {
            // Nothing was sent (no connection), so nothing can have landed.
            var unavailable = Assert.IsType<StoreUnavailableException>(failure);
            Assert.Equal(operation, unavailable.Operation);
            Assert.False(unavailable.MayHaveLanded);
            Assert.Contains(operation, unavailable.Message, StringComparison.Ordinal);
            Assert.Contains(endpoint, unavailable.Message, StringComparison.Ordinal);
            Assert.NotNull(unavailable.InnerException);
        }
    }

    [SkippableTheory]
    [InlineData(RedisScriptMode.Functions)]
    [InlineData(RedisScriptMode.Eval)]
    public async Task A_server_refusing_writes_out_of_memory_is_StoreUnavailable_and_nothing_was_applied(RedisScriptMode mode)
    {
        RedisServerFixture.SkipIfServersCannotStart();
        await using var server = await RedisServer.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",allowAdmin=true");
        var store = new RedisDirectoryStore(connection, new RedisStoreOptions { KeyPrefix = RedisFixture.NewPrefix(), ScriptMode = mode });
        AgentId agent = "alice";
        var key = new ArtifactKey("team", "plan.md");
        await store.RegisterAgentAsync(agent);
        (await store.CommitCasAsync(agent, key, Text("v1"), 0)).Ok();
        var admin = connection.GetServer(connection.GetEndPoints()[0]);
        await admin.ConfigSetAsync("maxmemory", "1");
        try
        {
            var op = OperationId.New();
            var refused = await Assert.ThrowsAsync<StoreUnavailableException>(async () => await store.CommitCasAsync(agent, key, Text("v2"), 1, op));
            Assert.Contains("OOM", refused.Message, StringComparison.Ordinal);
            Assert.Contains(server.ConnectionString, refused.Message, StringComparison.Ordinal);
            await Assert.ThrowsAsync<StoreUnavailableException>(async () => await store.CommitAllAsync(agent, [new BatchMember(key, Text("v2"), 1)], op));
            await Assert.ThrowsAsync<StoreUnavailableException>(async () => await store.AcquireAsync(agent, key, op));
        }
        finally
        {
            await admin.ConfigSetAsync("maxmemory", "0");
        }

        Assert.Equal(1, (await store.InspectAsync(key))!.Version);
        Assert.Equal(2, (await store.CommitCasAsync(agent, key, Text("v2"), 1, OperationId.New())).Ok());
    }

    private static string Show(WriteResult result) => $"{result.Refusal?.Reason} v{result.Version} [{string.Join(", ", result.Signals)}]";

    private static string Show(CommitAllResult result) =>
        $"[{string.Join(", ", result.Refusals.Select(r => r?.Reason.ToString() ?? "ok"))}] [{string.Join(", ", result.Versions)}] [{string.Join(", ", result.Signals)}]";

    [SkippableFact]
    public async Task A_server_killed_and_restarted_with_appendfsync_always_keeps_every_acknowledged_commit()
    {
        RedisServerFixture.SkipIfServersCannotStart();
        await using var server = await RedisServer.StartAsync("--appendonly", "yes", "--appendfsync", "always");
        var options = new RedisStoreOptions { KeyPrefix = RedisFixture.NewPrefix() };
        AgentId agent = "writer";
        var key = new ArtifactKey("team", "ledger.md");
        long acknowledged = 0;

        await using (var connection = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",abortConnect=false,connectRetry=0"))
        {
            var store = new RedisDirectoryStore(connection, options);
            await store.RegisterAgentAsync(agent);
            var writing = Task.Run(async () =>
            {
                try
                {
                    while (true)
                    {
                        var next = acknowledged + 1;
                        (await store.CommitCasAsync(agent, key, Text(next.ToString(CultureInfo.InvariantCulture)), acknowledged)).Ok();
                        Volatile.Write(ref acknowledged, next);
                    }
                }
                catch (OutcomeUnknownException)
                {
                }
            });

            while (Volatile.Read(ref acknowledged) < 200)
            {
                await Task.Delay(5);
            }

            await server.KillAsync();
            await writing;
        }

        await server.RestartAsync();
        await using var reconnected = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
        var record = (await new RedisDirectoryStore(reconnected, options).InspectAsync(key))!;
        Assert.InRange(record.Version, acknowledged, acknowledged + 1);
        Assert.Equal(record.Version.ToString(CultureInfo.InvariantCulture), System.Text.Encoding.UTF8.GetString(record.Content!));
    }

    [SkippableFact]
    public async Task After_SCRIPT_FLUSH_the_next_operation_reloads_the_scripts_and_succeeds()
    {
        var store = redis.NewStore(TimeProvider.System, mode: RedisScriptMode.Eval);
        AgentId agent = "alice";
        var key = new ArtifactKey("team", "plan.md");
        await store.RegisterAgentAsync(agent);
        (await store.CommitCasAsync(agent, key, Text("v1"), 0)).Ok();

        await using (var admin = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true"))
        {
            foreach (var endpoint in admin.GetEndPoints())
            {
                await admin.GetServer(endpoint).ScriptFlushAsync();
            }
        }

        Assert.Equal(2, (await store.CommitCasAsync(agent, key, Text("v2"), 1)).Ok());
        Assert.Equal(1, store.ScriptReloads);
        Assert.Equal("v2", (await store.ReadAsync(agent, key)).TextOf());
    }

    private TcpProxy ProxyToServer()
    {
        var endpoint = ConfigurationOptions.Parse(redis.ConnectionString).EndPoints[0];
        return endpoint switch
        {
            IPEndPoint ip => new TcpProxy(ip.Address.ToString(), ip.Port),
            DnsEndPoint dns => new TcpProxy(dns.Host, dns.Port),
            _ => throw new InvalidOperationException($"Unsupported endpoint {endpoint}."),
        };
    }

    private async Task<ConnectionMultiplexer> ConnectThrough(TcpProxy proxy)
    {
        var options = ConfigurationOptions.Parse(redis.ConnectionString);
        options.EndPoints.Clear();
        options.EndPoints.Add(IPAddress.Loopback, proxy.Port);
        options.AbortOnConnectFail = false;
        return await ConnectionMultiplexer.ConnectAsync(options);
    }
}

using System.Globalization;
using System.Net;
using AgentCoherence.Testing;
using AgentCoherence.Testing.Servers;
using StackExchange.Redis;
using static AgentCoherence.Testing.StoreTestExtensions;

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
    public async Task An_agent_resolves_a_cut_commit_by_re_reading_and_never_applies_an_increment_twice(bool reachedRedis, RedisScriptMode mode)
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

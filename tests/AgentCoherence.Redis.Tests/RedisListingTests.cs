using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;
using static AgentCoherence.Testing.StoreTestExtensions;
using AgentCoherence.Protocol;

namespace AgentCoherence.Redis.Tests;

/// <summary>
/// What is particular to the Redis listings (the shared conformance suite checks what they return): they find
/// records with SCAN, never KEYS; they list only this store's prefix; their failures are the library's own.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class RedisListingTests(RedisFixture redis)
{
    private static readonly AgentId Alice = "alice";

    private static async Task<List<string>> Keys(IDirectoryStore store)
    {
        var keys = new List<string>();
        await foreach (var record in store.ListRecordsAsync())
        {
            keys.Add(record.Key.ToString());
        }

        return keys;
    }

    private static async Task Seed(IDirectoryStore store, string name)
    {
        await store.RegisterAgentAsync(Alice);
        (await store.CommitCasAsync(Alice, new ArtifactKey("team", name), Text(name), 0)).Ok();
    }

    [SkippableFact]
    public async Task Only_this_stores_records_are_listed_even_when_another_prefix_extends_it_or_the_prefix_holds_glob_characters()
    {
        var prefix = RedisFixture.NewPrefix()[..^1] + "*?[x]\\:";
        var mine = redis.NewStore(TimeProvider.System, prefix);

        // Keys such as '<prefix>{other}x:{team:theirs.md}:rec' match '<prefix>{*}:rec' but are not this store's.
        var extended = redis.NewStore(TimeProvider.System, prefix + "{other}x:");
        var similar = redis.NewStore(TimeProvider.System, prefix[..^2] + "y:");
        await Seed(mine, "mine.md");
        await Seed(extended, "theirs.md");
        await Seed(similar, "similar.md");

        Assert.Equal(["team/mine.md"], await Keys(mine));
        Assert.Equal(["team/theirs.md"], await Keys(extended));
        Assert.Equal(["team/similar.md"], await Keys(similar));
    }

    [SkippableFact]
    public async Task Listing_scans_with_a_cursor_and_never_sends_KEYS()
    {
        var store = redis.NewStore(TimeProvider.System);
        await Seed(store, "plan.md");
        await using var admin = await redis.ConnectSeparatelyAsync(redis.ConnectionString + ",allowAdmin=true");
        var server = admin.GetServers().First(s => !s.IsReplica);
        var before = await CommandCalls(server);

        Assert.Equal(["team/plan.md"], await Keys(store));
        await foreach (var _ in store.ListAgentsAsync())
        {
        }

        var after = await CommandCalls(server);
        Assert.Equal(before.GetValueOrDefault("keys"), after.GetValueOrDefault("keys"));
        Assert.True(after.GetValueOrDefault("scan") > before.GetValueOrDefault("scan"), "the records were found with SCAN");
        Assert.True(after.GetValueOrDefault("hscan") > before.GetValueOrDefault("hscan"), "the agents were read with HSCAN");
    }

    [SkippableFact]
    public async Task With_the_server_unreachable_the_listings_throw_StoreUnavailable_naming_the_endpoint()
    {
        redis.Server.SkipIfUnavailable();
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var options = new ConfigurationOptions { AbortOnConnectFail = false, ConnectTimeout = 500, AsyncTimeout = 500, SyncTimeout = 500 };
        options.EndPoints.Add(IPAddress.Loopback, port);
        await using var connection = await ConnectionMultiplexer.ConnectAsync(options);
        var store = new RedisDirectoryStore(connection, new RedisStoreOptions { KeyPrefix = RedisFixture.NewPrefix() });

        var records = await Assert.ThrowsAsync<StoreUnavailableException>(async () => await Keys(store));
        var agents = await Assert.ThrowsAsync<StoreUnavailableException>(async () =>
        {
            await foreach (var _ in store.ListAgentsAsync())
            {
            }
        });

        Assert.Equal("ListRecords", records.Operation);
        Assert.Equal("ListAgents", agents.Operation);
        foreach (var failure in new[] { records, agents })
        {
            Assert.False(failure.MayHaveLanded);
            Assert.Contains($"127.0.0.1:{port}", failure.Message, StringComparison.Ordinal);
            Assert.NotNull(failure.InnerException);
        }
    }

    // INFO commandstats: 'cmdstat_scan:calls=3,usec=...' per command.
    private static async Task<Dictionary<string, long>> CommandCalls(IServer server)
    {
        var calls = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var group in await server.InfoAsync("commandstats"))
        {
            foreach (var (name, value) in group)
            {
                if (name.StartsWith("cmdstat_", StringComparison.Ordinal) && value.StartsWith("calls=", StringComparison.Ordinal))
                {
                    calls[name["cmdstat_".Length..]] = long.Parse(value["calls=".Length..value.IndexOf(',', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);
                }
            }
        }

        return calls;
    }
}

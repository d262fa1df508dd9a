using StackExchange.Redis;
using static AgentCoherence.Testing.StoreTestExtensions;

namespace AgentCoherence.Redis.Tests;

/// <summary>
/// The two ways the store runs its Lua (functions on Redis 7+, EVALSHA otherwise): which one it picks,
/// falling back when the server refuses FUNCTION LOAD, and recovering when the server lost the code.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class RedisScriptModeTests(RedisFixture redis)
{
    [SkippableFact]
    public async Task Auto_mode_loads_one_function_library_on_Redis_7_and_runs_every_operation_through_it()
    {
        var store = redis.NewStore(TimeProvider.System);
        Assert.Equal(RedisScriptMode.Auto, store.ScriptMode);
        AgentId agent = "alice";
        var key = new ArtifactKey("team", "plan.md");
        await store.RegisterAgentAsync(agent);
        (await store.CommitCasAsync(agent, key, Text("v1"), 0)).Ok();

        var server = redis.Connection.GetServer(redis.Connection.GetEndPoints()[0]);
        Skip.If(server.Version < new Version(7, 0), $"Redis {server.Version} has no functions.");
        Assert.Equal(RedisScriptMode.Functions, store.ScriptMode);
        var list = (RedisResult[])(await server.ExecuteAsync("FUNCTION", "LIST", "LIBRARYNAME", RedisScripts.Library.Name))!;
        Assert.Single(list);
        var names = FunctionNames(list[0]);
        Assert.Equal(RedisScripts.All.Select(s => s.FunctionName).Order(StringComparer.Ordinal), names.Order(StringComparer.Ordinal));

        // A second store (another coordinator instance) finds the library already loaded and uses it.
        var second = redis.NewStore(TimeProvider.System);
        await second.RegisterAgentAsync(agent);
        Assert.Equal(RedisScriptMode.Functions, second.ScriptMode);
    }

    [SkippableFact]
    public void The_library_and_function_names_carry_a_hash_of_the_code_so_two_versions_can_share_one_Redis()
    {
        var library = RedisScripts.Library;
        Assert.Matches("^agentcoherence_[0-9a-f]{12}$", library.Name);
        Assert.StartsWith("#!lua name=" + library.Name + "\n", library.Code, StringComparison.Ordinal);
        foreach (var script in RedisScripts.All)
        {
            Assert.Equal("ac_" + library.Hash + "_" + script.Name, script.FunctionName);
            Assert.Contains("redis.register_function('" + script.FunctionName + "', function(KEYS, ARGV)\n" + RedisScripts.Script.Prologue + script.Source, library.Code, StringComparison.Ordinal);
        }
    }

    [SkippableFact]
    public async Task Eval_mode_runs_cached_scripts_and_gives_the_same_results()
    {
        var store = redis.NewStore(TimeProvider.System, mode: RedisScriptMode.Eval);
        AgentId agent = "alice";
        var key = new ArtifactKey("team", "plan.md");
        await store.RegisterAgentAsync(agent);
        Assert.Equal(RedisScriptMode.Eval, store.ScriptMode);
        (await store.CommitCasAsync(agent, key, Text("v1"), 0)).Ok();
        var conflict = await store.CommitCasAsync(agent, key, Text("stale"), 0);
        Assert.Equal(RefusalReason.VersionConflict, conflict.Refusal!.Reason);
        Assert.Equal(1, conflict.Refusal.CurrentVersion);
    }

    [SkippableFact]
    public async Task After_FUNCTION_FLUSH_the_next_operation_loads_the_library_again_and_succeeds()
    {
        var store = redis.NewStore(TimeProvider.System, mode: RedisScriptMode.Functions);
        AgentId agent = "alice";
        var key = new ArtifactKey("team", "plan.md");
        await store.RegisterAgentAsync(agent);
        (await store.CommitCasAsync(agent, key, Text("v1"), 0)).Ok();

        await using (var admin = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true"))
        {
            await admin.GetServer(admin.GetEndPoints()[0]).ExecuteAsync("FUNCTION", "FLUSH", "SYNC");
        }

        Assert.Equal(2, (await store.CommitCasAsync(agent, key, Text("v2"), 1)).Ok());
        Assert.Equal(1, store.ScriptReloads);
        Assert.Equal("v2", (await store.ReadAsync(agent, key)).TextOf());
    }

    [SkippableTheory]
    [InlineData(RedisScriptMode.Auto, false)]
    [InlineData(RedisScriptMode.Auto, true)]
    [InlineData(RedisScriptMode.Functions, false)]
    [InlineData(RedisScriptMode.Functions, true)]
    [InlineData(RedisScriptMode.Eval, false)]
    [InlineData(RedisScriptMode.Eval, true)]
    public async Task A_connection_cut_during_the_first_code_load_fails_that_call_only_and_the_next_call_loads_the_code_and_succeeds(RedisScriptMode mode, bool loadReachedRedis)
    {
        await using var proxy = RedisProxies.To(redis.ConnectionString);
        await using var connection = await ConnectionMultiplexer.ConnectAsync(RedisProxies.Through(redis.ConnectionString, proxy));
        var store = new RedisDirectoryStore(connection, new RedisStoreOptions { KeyPrefix = RedisFixture.NewPrefix(), ScriptMode = mode });
        AgentId agent = "alice";
        var key = new ArtifactKey("team", "plan.md");

        // The first line of _lib.lua opens every FUNCTION LOAD and every SCRIPT LOAD the store sends.
        var libraryFirstLine = RedisScripts.Script.Resource("_lib").Split('\n')[0];
        proxy.CutOnRequest(libraryFirstLine, deliverRequest: loadReachedRedis);
        var failed = await Assert.ThrowsAsync<StoreUnavailableException>(async () => await store.RegisterAgentAsync(agent));
        Assert.Equal(1, proxy.Cuts);
        Assert.Equal("RegisterAgent", failed.Operation);
        Assert.False(failed.MayHaveLanded);

        await store.RegisterAgentAsync(agent);
        Assert.Equal(1, (await store.CommitCasAsync(agent, key, Text("v1"), 0)).Ok());
        Assert.Equal("v1", (await store.ReadAsync(agent, key)).TextOf());
        Assert.Equal(1, proxy.Cuts);
    }

    [SkippableFact]
    public async Task A_user_without_permission_for_FUNCTION_falls_back_to_EVALSHA_in_auto_mode_and_is_refused_in_functions_mode()
    {
        var server = redis.Connection.GetServer(redis.Connection.GetEndPoints()[0]);
        Skip.If(server.Version < new Version(7, 0), $"Redis {server.Version} has no functions.");
        var user = $"nofn{Guid.NewGuid():N}";
        const string password = "pw-for-tests";
        await using var admin = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
        var adminServer = admin.GetServer(admin.GetEndPoints()[0]);
        await adminServer.ExecuteAsync("ACL", "SETUSER", user, "on", ">" + password, "~*", "&*", "+@all", "-function");
        try
        {
            await using var limited = await ConnectionMultiplexer.ConnectAsync($"{redis.ConnectionString},user={user},password={password}");
            AgentId agent = "alice";
            var key = new ArtifactKey("team", "plan.md");

            var auto = new RedisDirectoryStore(limited, new RedisStoreOptions { KeyPrefix = RedisFixture.NewPrefix() });
            await auto.RegisterAgentAsync(agent);
            Assert.Equal(RedisScriptMode.Eval, auto.ScriptMode);
            Assert.Equal(1, (await auto.CommitCasAsync(agent, key, Text("v1"), 0)).Ok());

            var functions = new RedisDirectoryStore(limited, new RedisStoreOptions { KeyPrefix = RedisFixture.NewPrefix(), ScriptMode = RedisScriptMode.Functions });
            var refused = await Assert.ThrowsAsync<StoreUnavailableException>(async () => await functions.RegisterAgentAsync(agent));
            Assert.Contains("NOPERM", refused.Message, StringComparison.Ordinal);
            Assert.Contains("NOPERM", Assert.IsType<RedisServerException>(refused.InnerException).Message, StringComparison.Ordinal);
            Assert.DoesNotContain(password, refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            await adminServer.ExecuteAsync("ACL", "DELUSER", user);
        }
    }

    // FUNCTION LIST's reply: [library_name, n, engine, LUA, functions, [[name, f, description, d, flags, [...]], ...]].
    private static List<string> FunctionNames(RedisResult library)
    {
        var fields = (RedisResult[])library!;
        for (var i = 0; i + 1 < fields.Length; i += 2)
        {
            if ((string?)fields[i] == "functions")
            {
                return ((RedisResult[])fields[i + 1]!).Select(f => (string)((RedisResult[])f!)[1]!).ToList();
            }
        }

        throw new InvalidOperationException("FUNCTION LIST reply without functions.");
    }
}

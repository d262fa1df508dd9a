using System.Globalization;
using AgentCoherence.Protocol;
using AgentCoherence.Testing;
using AgentCoherence.Testing.Servers;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using Xunit.Abstractions;
using static AgentCoherence.Testing.StoreTestExtensions;

namespace AgentCoherence.Redis.Tests;

/// <summary>
/// The sweep and forget run in bounded script calls (each visits at most
/// <see cref="RedisStoreOptions.MaxArtifactsPerScript"/> artifacts), and every script touches only the
/// keys it declares in KEYS. Each test starts its own redis-server, so the slow log and MONITOR see
/// this test's commands only.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class RedisBoundedScriptTests(ITestOutputHelper output)
{
    private static readonly int Budget = new RedisStoreOptions().MaxArtifactsPerScript;

    [SkippableFact]
    public async Task A_sweep_after_a_mass_disconnect_reclaims_10000_dead_grants_with_no_script_call_over_the_budget()
    {
        RedisServerFixture.SkipIfServersCannotStart();
        await using var server = await RedisServer.StartAsync("--slowlog-log-slower-than", "0", "--slowlog-max-len", "100000");
        await using var connection = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",allowAdmin=true");
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        var store = new RedisDirectoryStore(connection, new RedisStoreOptions { KeyPrefix = RedisFixture.NewPrefix(), Clock = RedisClock.Client }, time);

        // 1,000 agents each hold 10 grants and read the same 5 notes, then all go silent for a day.
        AgentId author = "author";
        await store.RegisterAgentAsync(author);
        var notes = Enumerable.Range(0, 5).Select(i => new ArtifactKey("team", $"notes-{i}")).ToArray();
        foreach (var note in notes)
        {
            (await store.CommitCasAsync(author, note, Text("n1"), 0)).Ok();
        }

        var agents = Enumerable.Range(0, 1_000).Select(i => new AgentId($"worker-{i:D4}")).ToArray();
        await Task.WhenAll(agents.Select(async (agent, i) =>
        {
            await store.RegisterAgentAsync(agent);
            foreach (var note in notes)
            {
                await store.ReadAsync(agent, note);
            }

            for (var g = 0; g < 10; g++)
            {
                (await store.AcquireAsync(agent, new ArtifactKey("team", $"task-{i:D4}-{g}"))).Ok();
            }
        }));

        time.Advance(TimeSpan.FromHours(25));
        await store.HeartbeatAsync(author);
        var admin = connection.GetServer(connection.GetEndPoints()[0]);
        await admin.SlowlogResetAsync();
        var result = await store.SweepAsync(SweepPolicy.Default);
        var calls = ScriptCalls(await admin.SlowlogGetAsync(100_000));

        Assert.Equal(10_000, result.Reclaimed.Count);
        Assert.All(result.Reclaimed, r => Assert.Equal(ReclaimTrigger.Heartbeat, r.Info.Trigger));
        Assert.Equal(result.Reclaimed.Select(r => r.Key.StoreKey).Order(StringComparer.Ordinal), result.Reclaimed.Select(r => r.Key.StoreKey));
        Assert.Equal(10_000, result.Signals.Count);
        Assert.Equal(5_000, result.PrunedEntries);
        Assert.Equal(1, (await store.InspectAsync(new ArtifactKey("team", "task-0999-9")))!.OwnerEpoch);
        Assert.Equal([author], (await store.InspectAsync(notes[0]))!.Holders.Keys);

        var sweepCalls = calls.Where(c => c.Script == "sweep").ToList();
        Assert.InRange(sweepCalls.Count, (int)Math.Ceiling(10_000.0 / Budget), int.MaxValue);
        Assert.All(calls, c => Assert.InRange(c.Artifacts, 0, Budget));
        Report("sweep of 10,000 dead grants (+5,000 pruned reads)", calls);
    }

    [SkippableFact]
    public async Task Forgetting_an_agent_with_2500_artifacts_drops_every_entry_in_script_calls_within_the_budget()
    {
        RedisServerFixture.SkipIfServersCannotStart();
        await using var server = await RedisServer.StartAsync("--slowlog-log-slower-than", "0", "--slowlog-max-len", "100000");
        await using var connection = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",allowAdmin=true");
        var prefix = RedisFixture.NewPrefix();
        var store = new RedisDirectoryStore(connection, new RedisStoreOptions { KeyPrefix = prefix });
        AgentId alice = "alice", bob = "bob";
        await store.RegisterAgentAsync(alice);
        await store.RegisterAgentAsync(bob);
        var keys = Enumerable.Range(0, 2_500).Select(i => new ArtifactKey("team", $"doc-{i:D4}")).ToArray();
        await Task.WhenAll(keys.Select(async (key, i) =>
        {
            (await store.CommitCasAsync(alice, key, Text("v1"), 0)).Ok();
            if (i % 10 == 0)
            {
                await store.ReadAsync(bob, key);
            }

            if (i % 8 == 0)
            {
                (await store.AcquireAsync(alice, key)).Ok();
            }
        }));

        var admin = connection.GetServer(connection.GetEndPoints()[0]);
        await admin.SlowlogResetAsync();
        Assert.True(await store.ForgetAsync(alice));
        var calls = ScriptCalls(await admin.SlowlogGetAsync(100_000));

        var db = connection.GetDatabase();
        Assert.False(await db.KeyExistsAsync(prefix + "touched:alice"));
        Assert.False(await db.KeyExistsAsync(prefix + "ops:alice"));
        Assert.False(await db.HashExistsAsync(prefix + "agents", "alice"));
        Assert.Equal(0, await db.SetLengthAsync(prefix + "granted"));
        var holders = await Task.WhenAll(keys.Select(async k => (await store.InspectAsync(k))!.Holders));
        Assert.All(holders, h => Assert.DoesNotContain(alice, h.Keys));
        Assert.Equal(250, holders.Count(h => h.ContainsKey(bob)));
        Assert.False(await store.ForgetAsync(alice));

        var forgetCalls = calls.Where(c => c.Script == "forget").ToList();
        Assert.InRange(forgetCalls.Count, (int)Math.Ceiling(2_500.0 / Budget), int.MaxValue);
        Assert.All(calls, c => Assert.InRange(c.Artifacts, 0, Budget));
        Report("forget of an agent with 2,500 artifacts (313 grants)", calls);
    }

    [SkippableFact]
    public async Task A_sweep_cut_between_two_calls_says_how_far_it_got_and_the_next_sweep_carries_on()
    {
        RedisServerFixture.SkipIfServersCannotStart();
        await using var server = await RedisServer.StartAsync();
        await using var proxy = RedisProxies.To(server.ConnectionString);
        await using var connection = await ConnectionMultiplexer.ConnectAsync(RedisProxies.Through(server.ConnectionString, proxy));
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        var prefix = RedisFixture.NewPrefix();
        var store = new RedisDirectoryStore(connection, new RedisStoreOptions { KeyPrefix = prefix, Clock = RedisClock.Client, MaxArtifactsPerScript = 1 }, time);
        var keys = Enumerable.Range(0, 3).Select(i => new ArtifactKey("team", $"doc-{i}")).ToArray();
        AgentId agent = "stalled";
        await store.RegisterAgentAsync(agent);
        foreach (var key in keys)
        {
            (await store.AcquireAsync(agent, key)).Ok();
        }

        // The second call is the first to name doc-1's keys; it never reaches Redis.
        time.Advance(TimeSpan.FromMinutes(3));
        proxy.CutOnRequest(prefix + "{" + keys[1].StoreKey + "}:holders", deliverRequest: false);
        var failed = await Assert.ThrowsAsync<StoreUnavailableException>(async () => await store.SweepAsync(SweepPolicy.Default));
        Assert.Equal("Sweep", failed.Operation);
        Assert.Contains("after 1 of its script calls had completed", failed.Message, StringComparison.Ordinal);
        Assert.Equal(1, (await store.InspectAsync(keys[0]))!.OwnerEpoch);
        Assert.Equal(0, (await store.InspectAsync(keys[1]))!.OwnerEpoch);

        var next = await store.SweepAsync(SweepPolicy.Default);
        Assert.Equal(keys[1..], next.Reclaimed.Select(r => r.Key));
        foreach (var key in keys)
        {
            Assert.Equal(1, (await store.InspectAsync(key))!.OwnerEpoch);
        }
    }

    [SkippableFact]
    public async Task A_forget_cut_between_two_calls_leaves_the_agent_registered_and_forgetting_again_finishes()
    {
        RedisServerFixture.SkipIfServersCannotStart();
        await using var server = await RedisServer.StartAsync();
        await using var proxy = RedisProxies.To(server.ConnectionString);
        await using var connection = await ConnectionMultiplexer.ConnectAsync(RedisProxies.Through(server.ConnectionString, proxy));
        var prefix = RedisFixture.NewPrefix();
        var store = new RedisDirectoryStore(connection, new RedisStoreOptions { KeyPrefix = prefix, MaxArtifactsPerScript = 2 });
        var keys = Enumerable.Range(0, 6).Select(i => new ArtifactKey("team", $"doc-{i}")).ToArray();
        AgentId agent = "leaving";
        await store.RegisterAgentAsync(agent);
        foreach (var key in keys)
        {
            (await store.AcquireAsync(agent, key)).Ok();
        }

        // Forget's calls name the artifacts in an order Redis picks; cut the first call that names any
        // holders key: the second call, after the first has only listed the touched set.
        proxy.CutOnRequest("}:holders", deliverRequest: false);
        var failed = await Assert.ThrowsAsync<StoreUnavailableException>(async () => await store.ForgetAsync(agent));
        Assert.Contains("after 1 of its script calls had completed", failed.Message, StringComparison.Ordinal);
        Assert.Null(await store.HeartbeatAsync(agent));

        Assert.True(await store.ForgetAsync(agent));
        var db = connection.GetDatabase();
        Assert.Equal(0, await db.SetLengthAsync(prefix + "granted"));
        Assert.False(await db.KeyExistsAsync(prefix + "touched:leaving"));
        foreach (var key in keys)
        {
            Assert.Empty((await store.InspectAsync(key))!.Holders);
        }

        Assert.NotNull(await store.HeartbeatAsync(agent));
    }

    [SkippableTheory]
    [InlineData(RedisScriptMode.Functions)]
    [InlineData(RedisScriptMode.Eval)]
    public async Task Every_key_a_script_touches_is_declared_in_its_KEYS(RedisScriptMode mode)
    {
        RedisServerFixture.SkipIfServersCannotStart();
        await using var server = await RedisServer.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        var store = new RedisDirectoryStore(connection, new RedisStoreOptions { KeyPrefix = "{team-a}coherence:", ScriptMode = mode, Clock = RedisClock.Client }, time);
        await store.RegisterAgentAsync("warm-up");
        await using var monitor = await RedisMonitor.StartAsync("127.0.0.1", server.Port);

        // Every script, every branch that reaches another key: reads, grants, commits that signal
        // peers, a batch, deletes, uncoordinated writes (observe mode), a release, a sweep that reclaims and prunes, forget, inspect.
        AgentId alice = "alice", bob = "bob", carol = "carol";
        ArtifactKey plan = new("team", "plan.md"), notes = new("team", "notes.md"), draft = new("team", "draft.md");
        foreach (var agent in new[] { alice, bob, carol })
        {
            await store.RegisterAgentAsync(agent);
        }

        (await store.CommitCasAsync(alice, plan, Text("p1"), 0, OperationId.New())).Ok();
        (await store.CommitCasAsync(alice, notes, Text("n1"), 0, OperationId.New())).Ok();
        await store.ReadAsync(bob, plan);
        await store.ReadAsync(carol, notes);
        (await store.AcquireAsync(alice, plan, OperationId.New())).Ok();
        (await store.CommitAsync(alice, plan, Text("p2"), OperationId.New())).Ok();
        Assert.True((await store.CommitAllAsync(bob, [new BatchMember(notes, Text("n2"), 1), new BatchMember(draft, Text("d1"), 0)], OperationId.New())).Committed);
        (await store.DeleteAsync(bob, draft, 1, OperationId.New())).Ok();
        (await store.OverrideAsync(carol, notes, Text("n3"), OperationId.New())).Ok();
        (await store.OverrideAsync(alice, draft, Text("d3"), OperationId.New())).Ok();
        (await store.OverrideAsync(alice, draft, null, OperationId.New())).Ok();
        Assert.True(await store.ReleaseAsync(alice, plan, OperationId.New()));
        await store.ReadAsync(carol, plan);
        (await store.AcquireAsync(carol, plan, OperationId.New())).Ok();
        (await store.DeleteAsync(carol, plan, null, OperationId.New())).Ok();
        Assert.True(await store.ReleaseAsync(carol, plan));
        await store.ReadAsync(bob, plan);
        (await store.AcquireAsync(bob, plan)).Ok();
        Assert.Null(await store.HeartbeatAsync(alice));
        time.Advance(TimeSpan.FromHours(25));
        await store.HeartbeatAsync(alice);
        var sweep = await store.SweepAsync(SweepPolicy.Default);
        Assert.Single(sweep.Reclaimed);
        Assert.True(sweep.PrunedEntries > 0);
        await store.InspectAsync(plan);
        Assert.True(await store.ForgetAsync(alice));
        Assert.True(await store.ForgetAsync(carol));

        var commands = await monitor.CollectAsync(connection.GetDatabase());
        var scripts = ScriptsByCallName();
        var called = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (call, inside) in ScriptRuns(commands))
        {
            var name = scripts[call.Arguments[0]];
            called.Add(name);
            foreach (var command in inside)
            {
                foreach (var key in command.KeysNamed())
                {
                    Assert.True(call.DeclaredKeys.Contains(key, StringComparer.Ordinal), $"Script '{name}' ran {command.Name} on '{key}', which is not in its KEYS ({string.Join(", ", call.DeclaredKeys)}).");
                }
            }
        }

        Assert.Equal(RedisScripts.All.Select(s => s.Name).Order(StringComparer.Ordinal), called.Order(StringComparer.Ordinal));
    }

    // Each script call with the commands it ran. Redis 7.0 shows a call before the commands it ran;
    // a server that shows it after them (the commands then come first in the log) is read that way.
    private static List<(MonitoredCommand Call, List<MonitoredCommand> Inside)> ScriptRuns(IReadOnlyList<MonitoredCommand> commands)
    {
        var firstCall = commands.ToList().FindIndex(c => c.IsScriptCall);
        var firstInside = commands.ToList().FindIndex(c => c.FromScript);
        var callComesFirst = firstInside < 0 || (firstCall >= 0 && firstCall < firstInside);
        var runs = new List<(MonitoredCommand, List<MonitoredCommand>)>();
        var pending = new List<MonitoredCommand>();
        foreach (var command in commands)
        {
            if (command.FromScript)
            {
                Assert.True(!callComesFirst || runs.Count > 0, $"{command.Name} ran inside a script, but MONITOR showed no script call before it.");
                (callComesFirst ? runs[^1].Item2 : pending).Add(command);
            }
            else if (command.IsScriptCall)
            {
                runs.Add((command, callComesFirst ? [] : pending));
                pending = [];
            }
        }

        Assert.Empty(pending);
        return runs;
    }

    // The store's script calls in a slow log: which script, how many artifacts it declared (one
    // ':holders' key each), and how long the server took.
    private static List<(string Script, int Artifacts, TimeSpan Duration)> ScriptCalls(CommandTrace[] traces)
    {
        var scripts = ScriptsByCallName();
        var calls = new List<(string, int, TimeSpan)>();
        foreach (var trace in traces)
        {
            var arguments = trace.Arguments;
            if (arguments.Length < 3 || ((string?)arguments[0])?.ToUpperInvariant() is not ("EVALSHA" or "FCALL"))
            {
                continue;
            }

            var numkeys = int.Parse((string)arguments[2]!, CultureInfo.InvariantCulture);
            var shown = arguments.Skip(3).Take(numkeys).Select(a => (string)a!).Where(a => a is not null).ToList();
            var truncated = numkeys > shown.Count;

            // The slow log keeps 32 arguments; past that, count the artifacts from numkeys and the
            // scripts' KEYS layouts: sweep (agents, granted, then rec + holders per artifact), prune
            // (agents, then touched + rec + holders per agent and artifact), forget (agents, touched,
            // granted, ops, then holders per artifact).
            var name = scripts[(string)arguments[1]!];
            var artifacts = truncated
                ? name switch
                {
                    "sweep" => (numkeys - 2) / 2,
                    "prune" => (numkeys - 1) / 3,
                    "forget" => numkeys - 4,
                    _ => throw new InvalidOperationException($"Unexpected truncated call of '{name}'."),
                }
                : shown.Count(k => k.EndsWith(":holders", StringComparison.Ordinal));
            calls.Add((name, artifacts, trace.Duration));
        }

        return calls;
    }

    private static Dictionary<string, string> ScriptsByCallName()
    {
        var names = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var script in RedisScripts.All)
        {
            names[Convert.ToHexStringLower(script.Sha)] = script.Name;
            names[script.FunctionName] = script.Name;
        }

        return names;
    }

    private void Report(string what, List<(string Script, int Artifacts, TimeSpan Duration)> calls)
    {
        output.WriteLine($"{what}: {calls.Count} script calls, budget {Budget} artifacts per call");
        foreach (var group in calls.GroupBy(c => c.Script).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var durations = group.Select(c => c.Duration.TotalMicroseconds).Order().ToArray();
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"  {group.Key}: {group.Count()} calls, max {group.Max(c => c.Artifacts)} artifacts, server time median {durations[durations.Length / 2]:F0} µs, max {durations[^1]:F0} µs"));
        }
    }
}

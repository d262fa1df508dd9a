using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using AgentCoherence.Protocol;
using AgentCoherence.Sqlite;
using AgentCoherence.Testing;
using Microsoft.Extensions.Time.Testing;
using Spectre.Console.Testing;

namespace AgentCoherence.Cli.Tests;

/// <summary><c>coherence status</c> on the demo scene and on a SQLite file; <c>coherence --version</c>.</summary>
public sealed class StatusCommandTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _directory = new("agentcoherence-cli-tests");

    public void Dispose() => _directory.Dispose();

    internal static async Task<(int Exit, string Output, string Errors)> Run(TimeProvider? clock, params string[] args)
    {
        using var console = new TestConsole();
        console.Width(220);
        using var errors = new StringWriter();
        var exit = await CliApp.Create(console, clock, errors).RunAsync(args);
        return (exit, console.Output, errors.ToString());
    }

    [Fact]
    public async Task An_unknown_option_is_refused_naming_it_and_nothing_runs()
    {
        // A misspelled option (--reclaim for --reclaims, --jsn) must not be ignored: the command would run with defaults.
        var (exit, output, _) = await Run(null, "status", "--demo", "--bogus");

        Assert.Equal(2, exit); // a usage error, as every command's docs say, not the command-line library's 255
        Assert.Contains("bogus", output, StringComparison.Ordinal);
        Assert.DoesNotContain("coherence status", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_prints_the_informational_version_which_names_the_commit()
    {
        var expected = typeof(CliApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;

        var (exit, output, _) = await Run(null, "--version");

        Assert.Equal(0, exit);
        Assert.Equal(expected, output.Trim());
        Assert.Matches(@"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9a-f]{40})?$", expected);

        // Built from a git work tree (CI builds a fresh clone), the SDK's SourceLink support appends the commit.
        if (InGitWorkTree())
        {
            Assert.Matches(@"\+[0-9a-f]{40}$", expected);
        }
    }

    [Fact]
    public async Task Status_of_the_demo_shows_a_held_grant_a_deleted_artifact_heartbeats_and_a_reclaim()
    {
        var (exit, output, errors) = await Run(null, "status", "--demo");

        Assert.Equal(0, exit);
        Assert.Equal(string.Empty, errors);
        Assert.Contains("3 artifacts (1 deleted), 1 grant held, 4 agents, 1 reclaim recorded", output, StringComparison.Ordinal);
        var plan = Row(output, "plans/plan.md");
        Assert.Contains("editor:E", plan, StringComparison.Ordinal);
        Assert.Contains("editor 12s", plan, StringComparison.Ordinal);
        Assert.Contains("planner 1m 02s ago", plan, StringComparison.Ordinal);
        Assert.Contains("reviewer:I@v1", output, StringComparison.Ordinal);
        Assert.Contains("v2 deleted", Row(output, "notes/scratch.md"), StringComparison.Ordinal);
        Assert.Matches(@"│ worker-7 +│ \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ │ +59s │ - +│", output);
        Assert.Matches(@"│ editor +│ [^│]+│ +17s │ plans/plan\.md +│", output);
        Assert.Matches(@"│ 17s │ tasks/queue\.json +│ worker-7 +│ heartbeat +│ +1 │", output);
    }

    [Fact]
    public async Task Status_of_the_demo_as_json_is_the_documented_document()
    {
        var (exit, output, _) = await Run(null, "status", "--demo", "--json");

        Assert.Equal(0, exit);
        using var document = JsonDocument.Parse(output);
        var root = document.RootElement;
        Assert.Equal("coherence-status/1", root.GetProperty("format").GetString());
        Assert.Equal("memory-demo", root.GetProperty("store").GetProperty("kind").GetString());
        var plan = Artifact(root, "plans/plan.md");
        Assert.Equal("editor", plan.GetProperty("grant").GetProperty("holder").GetString());
        Assert.Equal("exclusive", plan.GetProperty("grant").GetProperty("state").GetString());
        Assert.Equal(12, plan.GetProperty("grant").GetProperty("ageSeconds").GetDouble());
        Assert.True(Artifact(root, "notes/scratch.md").GetProperty("deleted").GetBoolean());
        var reclaim = Assert.Single(root.GetProperty("recentReclaims").EnumerateArray());
        Assert.Equal("worker-7", reclaim.GetProperty("agent").GetString());
        Assert.Equal("tasks/queue.json", reclaim.GetProperty("key").GetString());
        Assert.Equal(59, Agent(root, "worker-7").GetProperty("silentSeconds").GetDouble());
    }

    [Fact]
    public async Task Status_of_a_sqlite_file_shows_who_holds_what_as_a_table_and_as_json()
    {
        var path = _directory.File("coherence.db");
        var time = new FakeTimeProvider(Start);
        await using var store = new SqliteDirectoryStore(new SqliteStoreOptions { Path = path }, time);
        await using var scene = await Scene.PlayAsync(store, time);

        var (exit, output, errors) = await Run(time, "status", "--sqlite", path);
        var (jsonExit, json, _) = await Run(time, "status", "--sqlite", path, "--json");

        Assert.Equal(0, exit);
        Assert.Equal(string.Empty, errors);
        Assert.Contains($"sqlite {Path.GetFullPath(path)}", output, StringComparison.Ordinal);
        Assert.Contains("taken 2026-11-27 09:04:00Z: 3 artifacts (1 deleted), 1 grant held, 4 agents, 1 reclaim recorded", output, StringComparison.Ordinal);
        Assert.Contains("editor 45s", Row(output, "team/plans/plan.md"), StringComparison.Ordinal);
        Assert.Contains("v2 deleted", Row(output, "team/notes/old.md"), StringComparison.Ordinal);
        Assert.Matches(@"│ reviewer +│ 2026-11-27 09:03:15Z │ +45s │ - +│", output);
        Assert.Matches(@"│ 2026-11-27 09:03:15Z │ 45s │ team/tasks/queue\.json +│ zombie +│ heartbeat +│ +1 │", output);

        Assert.Equal(0, jsonExit);
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        Assert.Equal("sqlite", root.GetProperty("store").GetProperty("kind").GetString());
        Assert.Equal("2026-11-27T09:04:00.000Z", root.GetProperty("takenAt").GetString());
        var plan = Artifact(root, "team/plans/plan.md");
        Assert.Equal(2, plan.GetProperty("version").GetInt64());
        Assert.Equal("planner", plan.GetProperty("lastWriter").GetString());
        var grant = plan.GetProperty("grant");
        Assert.Equal("editor", grant.GetProperty("holder").GetString());
        Assert.Equal("exclusive", grant.GetProperty("state").GetString());
        Assert.Equal("2026-11-27T09:03:15.000Z", grant.GetProperty("grantedAt").GetString());
        Assert.Equal(45, grant.GetProperty("ageSeconds").GetDouble());
        Assert.Equal(
            ["editor:exclusive:2", "planner:shared:2", "reviewer:invalid:1"],
            plan.GetProperty("holders").EnumerateArray().Select(h => $"{h.GetProperty("agent")}:{h.GetProperty("state")}:{h.GetProperty("viewVersion")}"));
        var old = Artifact(root, "team/notes/old.md");
        Assert.True(old.GetProperty("deleted").GetBoolean());
        Assert.Equal(JsonValueKind.Null, old.GetProperty("contentHash").ValueKind);
        var reviewer = Agent(root, "reviewer");
        Assert.Equal("2026-11-27T09:03:15.000Z", reviewer.GetProperty("lastHeartbeat").GetString());
        Assert.Equal(45, reviewer.GetProperty("silentSeconds").GetDouble());
        Assert.Equal(["team/plans/plan.md"], Agent(root, "editor").GetProperty("grants").EnumerateArray().Select(g => g.GetString()));
        var zombie = Agent(root, "zombie");
        Assert.Equal(240, zombie.GetProperty("silentSeconds").GetDouble());
        var reclaimed = Artifact(root, "team/tasks/queue.json").GetProperty("holders")[0];
        Assert.Equal("invalid", reclaimed.GetProperty("state").GetString());
        Assert.Equal("heartbeat", reclaimed.GetProperty("lastReclaim").GetProperty("trigger").GetString());
        var recent = Assert.Single(root.GetProperty("recentReclaims").EnumerateArray());
        Assert.Equal(
            """{"key":"team/tasks/queue.json","agent":"zombie","trigger":"heartbeat","at":"2026-11-27T09:03:15.000Z","epoch":1}""",
            JsonSerializer.Serialize(recent));
    }

    [Fact]
    public async Task Status_joins_no_agent_and_changes_nothing_in_the_store()
    {
        var path = _directory.File("coherence.db");
        var time = new FakeTimeProvider(Start);
        await using var store = new SqliteDirectoryStore(new SqliteStoreOptions { Path = path }, time);
        await using var scene = await Scene.PlayAsync(store, time);
        var before = await Describe(store);

        var (exit, _, _) = await Run(time, "status", "--sqlite", path);

        Assert.Equal(0, exit);
        Assert.Equal(before, await Describe(store));
    }

    [Fact]
    public async Task Status_with_no_store_or_two_stores_is_a_usage_error()
    {
        var none = await Run(null, "status");
        var two = await Run(null, "status", "--demo", "--sqlite", _directory.File("x.db"));
        var prefix = await Run(null, "status", "--demo", "--key-prefix", "x:");

        Assert.Equal((2, "coherence status: give exactly one store: --demo, --sqlite <path> or --redis <connection string> (got none)."), (none.Exit, none.Errors.Trim()));
        Assert.Equal(2, two.Exit);
        Assert.Contains("(got 2)", two.Errors, StringComparison.Ordinal);
        Assert.Equal((2, "coherence status: --key-prefix and --database apply only with --redis."), (prefix.Exit, prefix.Errors.Trim()));
        Assert.Equal(string.Empty, none.Output);
    }

    [Fact]
    public async Task Status_of_a_missing_sqlite_file_names_the_option_and_the_path_and_creates_nothing()
    {
        var path = _directory.File("missing.db");

        var (exit, output, errors) = await Run(null, "status", "--sqlite", path, "--json");

        Assert.Equal(2, exit);
        Assert.Equal(string.Empty, output);
        Assert.Equal($"coherence status: --sqlite: no database file at '{path}' (status reads an existing store and never creates one).", errors.Trim());
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task Status_of_a_file_that_is_not_a_database_is_exit_1_naming_the_option_and_the_path()
    {
        var path = _directory.File("notes.txt");
        await File.WriteAllTextAsync(path, "not a database\n");

        var (exit, _, errors) = await Run(null, "status", "--sqlite", path);

        Assert.Equal(1, exit);
        Assert.StartsWith($"coherence status: --sqlite: cannot read the store in '{path}': ", errors, StringComparison.Ordinal);
        Assert.Contains("file is not a database", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_opens_sqlite_read_only_so_an_empty_file_stays_empty()
    {
        // An empty file is a valid empty SQLite database: a read-write open would create a store in it.
        var path = _directory.File("empty.db");
        await File.WriteAllBytesAsync(path, []);

        var (exit, _, errors) = await Run(null, "status", "--sqlite", path);

        Assert.Equal(1, exit);
        Assert.StartsWith($"coherence status: --sqlite: cannot read the store in '{path}' (status opens the file read-only", errors, StringComparison.Ordinal);
        Assert.Equal(0, new FileInfo(path).Length);
    }

    [Fact]
    public async Task Status_of_an_unreachable_redis_is_exit_1_naming_the_option_and_the_address()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var (exit, output, errors) = await Run(null, "status", "--redis", $"127.0.0.1:{port},connectTimeout=1000,password=hunter2", "--json");

        Assert.Equal(1, exit);
        Assert.Equal(string.Empty, output);
        Assert.StartsWith($"coherence status: --redis: cannot connect to 127.0.0.1:{port} within 1000 ms", errors, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_with_a_redis_connection_string_that_does_not_parse_is_a_usage_error()
    {
        var (exit, _, errors) = await Run(null, "status", "--redis", "localhost:6379,connectTimeout=soon");

        Assert.Equal(2, exit);
        Assert.StartsWith("coherence status: --redis: the connection string does not parse: ", errors, StringComparison.Ordinal);
    }

    /// <summary>The table row (one line) that starts with <paramref name="artifact"/>.</summary>
    internal static string Row(string output, string artifact) =>
        output.Split('\n').Single(line => line.StartsWith("│ " + artifact + " ", StringComparison.Ordinal));

    internal static JsonElement Artifact(JsonElement root, string key) =>
        root.GetProperty("artifacts").EnumerateArray().Single(a => a.GetProperty("key").GetString() == key);

    internal static JsonElement Agent(JsonElement root, string agent) =>
        root.GetProperty("agents").EnumerateArray().Single(a => a.GetProperty("agent").GetString() == agent);

    private static async Task<string> Describe(IDirectoryStore store)
    {
        var lines = new List<string>();
        await foreach (var record in store.ListRecordsAsync())
        {
            lines.Add(StoreDifferentialTests.Describe(record));
        }

        await foreach (var agent in store.ListAgentsAsync())
        {
            lines.Add($"{agent.Agent} {agent.LastHeartbeat:O}");
        }

        lines.Sort(StringComparer.Ordinal);
        return string.Join("\n", lines);
    }

    private static bool InGitWorkTree()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (Directory.Exists(Path.Combine(directory.FullName, ".git")) || File.Exists(Path.Combine(directory.FullName, ".git")))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>
/// A team on a store, driven by hand on a fake clock (no heartbeat or sweep timers): at 09:00 the planner writes
/// team/plans/plan.md (v1), the reviewer reads it, the planner writes v2; a zombie takes team/tasks/queue.json's grant
/// and falls silent; the planner writes and deletes team/notes/old.md. At 09:03:15 the others beat, the sweep reclaims the
/// zombie's grant, and the editor takes the plan's grant. The status is taken at 09:04:00.
/// </summary>
internal sealed class Scene : IAsyncDisposable
{
    private readonly CoherenceClient _client;
    private readonly List<IAsyncDisposable> _held = [];

    private Scene(CoherenceClient client) => _client = client;

    public static async Task<Scene> PlayAsync(IDirectoryStore store, FakeTimeProvider time)
    {
        var options = new CoherenceOptions { DefaultNamespace = "team", CrashRecovery = { Enabled = false } };
        var client = new CoherenceClient(store, new InMemoryEventBus(), options, time);
        var scene = new Scene(client);
        var quiet = new AgentOptions { SendHeartbeats = false };
        var planner = client.Agent("planner", quiet);
        var reviewer = client.Agent("reviewer", quiet);
        var editor = client.Agent("editor", quiet);
        var zombie = client.Agent("zombie", quiet);
        var plan = client.Key("plans/plan.md");

        await planner.WriteAsync(plan, "# Plan\n1. Research\n");
        await reviewer.ReadAsync(plan);
        await planner.WriteAsync(plan, "# Plan\n1. Research\n2. Build\n");
        scene._held.Add(await zombie.AcquireAsync(client.Key("tasks/queue.json")));
        await planner.WriteAsync(client.Key("notes/old.md"), "old\n");
        await planner.DeleteAsync(client.Key("notes/old.md"));

        time.Advance(TimeSpan.FromSeconds(195));
        foreach (var alive in new[] { planner, reviewer, editor })
        {
            await alive.HeartbeatAsync();
        }

        Assert.Single((await client.SweepAsync()).Reclaimed);
        await editor.ReadAsync(plan);
        scene._held.Add(await editor.AcquireAsync(plan));
        time.Advance(TimeSpan.FromSeconds(45));
        return scene;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var held in _held)
        {
            await held.DisposeAsync();
        }

        await _client.DisposeAsync();
    }
}

using AgentCoherence.Sqlite;
using AgentCoherence.Protocol;

namespace AgentCoherence.Volume.Tests;

/// <summary>
/// Issue 10, scenario 7: a writer that stalls while holding the grant is reclaimed by the sweep, a peer
/// commits, then the stalled writer (the zombie) wakes up. Files follow the store: the zombie is refused
/// and never touches the file; a publish lands every file or none, on disk as in the store.
/// </summary>
public sealed class ZombieWriterTests : VolumeTestBase
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Reclaims every grant held at all (max hold zero), and nothing else.</summary>
    private static readonly SweepPolicy ReclaimEveryGrant = new(TimeSpan.FromDays(1), TimeSpan.Zero, null);

    public static TheoryData<string> Stores => ["sqlite", "memory"];

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_reclaimed_updater_is_refused_and_never_overwrites_the_new_holders_file(string kind)
    {
        await using var stores = new SharedStore(kind, Workspace.Path);
        await using var zombie = await stores.Open("zombie");
        await using var peer = await stores.Open("peer");
        await zombie.WriteAsync("plans/plan.md", "1. research\n");

        using var release = new ManualResetEventSlim();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stalled = Task.Run(async () => await zombie.UpdateAsync("plans/plan.md", current =>
        {
            entered.TrySetResult();
            release.Wait(Timeout);
            return current + "2. zombie\n";
        }));
        await entered.Task.WaitAsync(Timeout);

        var swept = await zombie.Store.SweepAsync(ReclaimEveryGrant);
        Assert.Equal([new AgentId("zombie")], swept.Reclaimed.Select(r => r.Agent));
        var seen = await peer.ReadAsync("plans/plan.md");
        var committed = await peer.WriteAsync("plans/plan.md", seen.Content + "2. peer\n");
        Assert.Equal(2, committed.Version);

        release.Set();
        await Assert.ThrowsAsync<StaleEpochException>(async () => await stalled.WaitAsync(Timeout));

        Assert.Equal("1. research\n2. peer\n", Disk("plans/plan.md"));
        var record = await peer.Store.InspectAsync(peer.KeyOf("plans/plan.md"));
        Assert.Equal(2, record!.Version);
        Assert.Equal(ContentPayload.HashHex(File.ReadAllBytes(Workspace.File("plans/plan.md"))), record.ContentHash);
        Assert.Equal(new VolumeFile("plans/plan.md", "1. research\n2. peer\n", 2), await peer.ReadAsync("plans/plan.md"));
        Assert.Empty(StrayFiles());
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_reclaimed_publisher_is_refused_and_changes_no_file(string kind)
    {
        await using var stores = new SharedStore(kind, Workspace.Path, stall: true);
        await using var zombie = await stores.Open("zombie");
        await using var peer = await stores.Open("peer");
        await zombie.WriteAsync("plans/plan.md", "plan v1\n");
        await zombie.WriteAsync("memory/facts.json", "{\"v\":1}");

        // The zombie pauses right before its publish reaches the store, holding both grants.
        var publish = zombie.PublishAsync(
        [
            new VolumePublishItem("plans/plan.md", "plan by zombie\n", 1),
            new VolumePublishItem("memory/facts.json", "{\"v\":\"zombie\"}", 1),
        ]).AsTask();
        await stores.Stalling!.Entered.WaitAsync(Timeout);

        var swept = await zombie.Store.SweepAsync(ReclaimEveryGrant);
        Assert.Equal(2, swept.Reclaimed.Count);
        var facts = await peer.ReadAsync("memory/facts.json");
        await peer.WriteAsync("memory/facts.json", "{\"v\":2}");
        Assert.Equal(1, facts.Version);

        stores.Stalling.Release();
        var refused = await Assert.ThrowsAsync<BatchConflictException>(async () => await publish.WaitAsync(Timeout));

        Assert.Equal(2, refused.Members.Count(r => r is not null));
        Assert.Equal("plan v1\n", Disk("plans/plan.md"));
        Assert.Equal("{\"v\":2}", Disk("memory/facts.json"));
        await AssertDiskMatchesStore(peer, "plans/plan.md", 1);
        await AssertDiskMatchesStore(peer, "memory/facts.json", 2);
        Assert.Empty(StrayFiles());
    }

    [Fact]
    public async Task A_publish_member_that_cannot_be_written_leaves_every_file_and_the_store_unchanged()
    {
        await using var planner = await Open("planner");
        await planner.WriteAsync("memory/facts.json", "{\"v\":1}");
        Directory.CreateDirectory(Workspace.File("plans"));
        // A file where the member's directory would be: that member can never be written.
        File.WriteAllText(Workspace.File("plans/sub"), "a file, not a directory\n");

        var failure = await Record.ExceptionAsync(async () => await planner.PublishAsync(
        [
            new VolumePublishItem("memory/facts.json", "{\"v\":2}", 1),
            new VolumePublishItem("plans/sub/new.md", "new\n", 0),
        ]));

        Assert.IsAssignableFrom<IOException>(failure);
        Assert.Equal("{\"v\":1}", Disk("memory/facts.json"));
        Assert.False(File.Exists(Workspace.File("plans/sub/new.md")));
        await AssertDiskMatchesStore(planner, "memory/facts.json", 1);
        Assert.Null((await planner.Store.InspectAsync(planner.KeyOf("plans/sub/new.md")))?.ContentHash);
        Assert.Equal(new VolumeFile("memory/facts.json", "{\"v\":1}", 1), await planner.ReadAsync("memory/facts.json"));
    }

    private async Task AssertDiskMatchesStore(CoherentVolume volume, string path, long version)
    {
        var record = await volume.Store.InspectAsync(volume.KeyOf(path));
        Assert.Equal(version, record!.Version);
        Assert.Equal(ContentPayload.HashHex(File.ReadAllBytes(Workspace.File(path))), record.ContentHash);
    }

    /// <summary>Temporary files left next to managed files.</summary>
    private IEnumerable<string> StrayFiles() =>
        Directory.EnumerateFiles(Workspace.Path, "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains(Path.DirectorySeparatorChar + CoherentVolume.StateDirectoryName + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .Where(f => f.EndsWith(".coherence-tmp", StringComparison.Ordinal));

    /// <summary>
    /// The volumes' store: each volume opens the default SQLite store itself (as separate processes do), or
    /// they share one in-memory store; with <c>stall</c>, one shared store that pauses publishes on demand.
    /// </summary>
    private sealed class SharedStore : IAsyncDisposable
    {
        private readonly string _root;
        private readonly IDirectoryStore? _shared;
        private readonly SqliteDirectoryStore? _owned;

        public SharedStore(string kind, string root, bool stall = false)
        {
            _root = root;
            IDirectoryStore? inner = null;
            if (kind == "memory")
            {
                inner = new InMemoryDirectoryStore();
            }
            else if (stall)
            {
                Directory.CreateDirectory(Path.Combine(root, CoherentVolume.StateDirectoryName));
                _owned = new SqliteDirectoryStore(new SqliteStoreOptions { Path = CoherentVolume.DefaultDatabasePath(root) });
                inner = _owned;
            }

            if (stall)
            {
                Stalling = new StallingDirectoryStore(inner!);
                inner = Stalling;
            }

            _shared = inner;
        }

        public StallingDirectoryStore? Stalling { get; }

        public ValueTask<CoherentVolume> Open(string agent)
        {
            var options = Options();
            return CoherentVolume.OpenAsync(_root, agent, new VolumeOptions { Managed = options.Managed, Store = _shared });
        }

        public async ValueTask DisposeAsync()
        {
            if (_owned is not null)
            {
                await _owned.DisposeAsync();
            }
        }
    }
}

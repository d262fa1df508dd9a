using System.Reflection;
using AgentCoherence.Volume.Internal;
using AgentCoherence.Protocol;

namespace AgentCoherence.Volume.Tests;

/// <summary>
/// Files follow the store: a file is renamed into place only inside the store step that commits it, a rename
/// that fails undoes the step (and the renames before it), lost replies and unknown outcomes leave the disk as
/// the store says, and only a difference no pending write explains is a foreign edit.
/// </summary>
public sealed class FilesFollowTheStoreTests : VolumeTestBase
{
    public static TheoryData<string> Stores => ["sqlite", "memory"];

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_rename_failing_inside_the_publish_step_puts_back_the_files_renamed_before_it_and_commits_nothing(string kind)
    {
        await using var planner = await Open("planner", kind == "memory" ? new InMemoryDirectoryStore() : null);
        await planner.WriteAsync("memory/facts.json", "{\"v\":1}");
        // After staging, something takes the second member's path: its rename, the last in the step, fails.
        planner.BeforeStoreStep = () => Directory.CreateDirectory(Workspace.File("plans/new.md"));

        var failure = await Record.ExceptionAsync(async () => await planner.PublishAsync(
        [
            new VolumePublishItem("memory/facts.json", "{\"v\":2}", 1),
            new VolumePublishItem("plans/new.md", "new\n", 0),
        ]));

        Assert.True(failure is IOException or UnauthorizedAccessException, $"{failure}");
        planner.BeforeStoreStep = null;
        Assert.Equal("{\"v\":1}", Disk("memory/facts.json"));
        await AssertStore(planner, "memory/facts.json", 1, ContentPayload.HashHex("{\"v\":1}"u8));
        await AssertStore(planner, "plans/new.md", 0, null);
        Assert.Empty(Leftovers());

        Directory.Delete(Workspace.File("plans/new.md"));
        var landed = await planner.PublishAsync(
        [
            new VolumePublishItem("memory/facts.json", "{\"v\":2}", 1),
            new VolumePublishItem("plans/new.md", "new\n", 0),
        ]);
        Assert.Equal([2L, 1L], landed.Select(f => f.Version));
        Assert.Equal("{\"v\":2}", Disk("memory/facts.json"));
        Assert.Equal("new\n", Disk("plans/new.md"));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_rename_failing_inside_a_write_step_commits_nothing(string kind)
    {
        await using var planner = await Open("planner", kind == "memory" ? new InMemoryDirectoryStore() : null);
        planner.BeforeStoreStep = () => Directory.CreateDirectory(Workspace.File("plans/new.md"));

        var failure = await Record.ExceptionAsync(async () => await planner.WriteCasAsync("plans/new.md", "new\n", 0));

        Assert.True(failure is IOException or UnauthorizedAccessException, $"{failure}");
        await AssertStore(planner, "plans/new.md", 0, null);
        Assert.Empty(Leftovers());
    }

    [Fact]
    public async Task Opening_over_a_store_that_cannot_run_effects_in_its_steps_is_refused_naming_the_store()
    {
        var store = DispatchProxy.Create<IDirectoryStore, UnreachableStore>();

        var refused = await Assert.ThrowsAsync<UnsupportedStoreException>(async () =>
            await CoherentVolume.OpenAsync(Workspace.Path, "planner", new VolumeOptions { Managed = ["plans/**"], Store = store }));

        Assert.Same(store.GetType(), refused.StoreType);
        Assert.Contains(store.GetType().Name, refused.Message, StringComparison.Ordinal);
        Assert.Contains("SQLite", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(FaultyDirectoryStore.Fault.LoseReply)]
    [InlineData(FaultyDirectoryStore.Fault.LoseRequest)]
    public async Task A_write_whose_reply_was_lost_lands_once_with_its_file(FaultyDirectoryStore.Fault fault)
    {
        var store = new FaultyDirectoryStore(new InMemoryDirectoryStore()) { FaultOnly = "Commit" };
        await using var planner = await Open("planner", store);
        await planner.WriteAsync("plans/plan.md", "v1\n");

        store.NextWrite = fault;
        var written = await planner.WriteAsync("plans/plan.md", "v2\n");

        Assert.Equal(2, written.Version);
        Assert.Equal("v2\n", Disk("plans/plan.md"));
        await AssertStore(planner, "plans/plan.md", 2, ContentPayload.HashHex("v2\n"u8));
        Assert.Empty(Leftovers());
    }

    [Theory]
    [InlineData(FaultyDirectoryStore.Fault.LoseReply, 2)]
    [InlineData(FaultyDirectoryStore.Fault.LoseRequest, 1)]
    public async Task A_write_whose_outcome_stays_unknown_leaves_the_disk_as_the_store_says(FaultyDirectoryStore.Fault fault, long landed)
    {
        var store = new FaultyDirectoryStore(new InMemoryDirectoryStore()) { FaultOnly = "Commit" };
        await using var planner = await Open("planner", store);
        await planner.WriteAsync("plans/plan.md", "v1\n");

        store.Then(Enumerable.Repeat(fault, 10).ToArray());
        await Assert.ThrowsAsync<OutcomeUnknownException>(async () => await planner.WriteAsync("plans/plan.md", "v2\n"));
        store.NextWrite = FaultyDirectoryStore.Fault.None;

        var record = await planner.Store.InspectAsync(planner.KeyOf("plans/plan.md"));
        Assert.Equal(landed, record!.Version);
        Assert.Equal(record.ContentHash, ContentPayload.HashHex(File.ReadAllBytes(Workspace.File("plans/plan.md"))));
        Assert.Empty(Leftovers());
    }

    [Fact]
    public async Task A_hand_edit_matching_a_write_built_on_an_older_version_is_a_foreign_edit()
    {
        await using var planner = await Open("planner");
        await planner.WriteAsync("plans/plan.md", "v1\n");
        await planner.WriteAsync("plans/plan.md", "v2\n");
        // An intent left by a write on v1 (its outcome settled long ago), naming the content a person now types.
        var intents = new WriteIntents(Path.Combine(Workspace.Path, CoherentVolume.StateDirectoryName));
        intents.Record("plans/plan.md", 1, ContentPayload.HashHex("v1\n"u8), ContentPayload.HashHex("edited\n"u8));

        File.WriteAllText(Workspace.File("plans/plan.md"), "edited\n");

        await Assert.ThrowsAsync<ForeignEditException>(async () => await planner.ReadAsync("plans/plan.md"));
        Assert.Equal("edited\n", Disk("plans/plan.md"));
        Assert.Empty(intents.Pending("plans/plan.md"));
    }

    [Fact]
    public async Task A_hand_edit_while_another_content_is_staged_is_a_foreign_edit()
    {
        await using var planner = await Open("planner");
        await planner.WriteAsync("plans/plan.md", "v1\n");
        var intents = new WriteIntents(Path.Combine(Workspace.Path, CoherentVolume.StateDirectoryName));
        intents.Record("plans/plan.md", 1, ContentPayload.HashHex("v1\n"u8), ContentPayload.HashHex("staged\n"u8));

        File.WriteAllText(Workspace.File("plans/plan.md"), "edited\n");

        var foreign = await Assert.ThrowsAsync<ForeignEditException>(async () => await planner.WriteAsync("plans/plan.md", "v2\n"));
        Assert.Equal(ContentPayload.HashHex("edited\n"u8), foreign.ActualHash);
        Assert.Equal("edited\n", Disk("plans/plan.md"));
        await AssertStore(planner, "plans/plan.md", 1, ContentPayload.HashHex("v1\n"u8));
    }

    private ValueTask<CoherentVolume> Open(string agent, IDirectoryStore? store) =>
        CoherentVolume.OpenAsync(Workspace.Path, agent, new VolumeOptions { Managed = Options().Managed, Store = store });

    private static async Task AssertStore(CoherentVolume volume, string path, long version, string? hash)
    {
        var record = await volume.Store.InspectAsync(volume.KeyOf(path));
        Assert.Equal(version, record?.Version ?? 0);
        Assert.Equal(hash, record?.ContentHash);
    }

    /// <summary>Temporary files anywhere outside the state directory, and intents still recorded.</summary>
    private IEnumerable<string> Leftovers()
    {
        var state = Path.Combine(Workspace.Path, CoherentVolume.StateDirectoryName);
        var intents = Path.Combine(state, WriteIntents.DirectoryName);
        return Directory.EnumerateFiles(Workspace.Path, "*" + AtomicFile.TempSuffix, SearchOption.AllDirectories)
            .Where(f => !f.StartsWith(state, StringComparison.Ordinal))
            .Concat(Directory.Exists(intents) ? Directory.EnumerateFiles(intents) : []);
    }

    /// <summary>A store with the plain operations only, as the Redis store; never called.</summary>
    public class UnreachableStore : DispatchProxy
    {
        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) =>
            throw new NotSupportedException($"{targetMethod?.Name} was not expected.");
    }
}

using AgentCoherence.Protocol;

namespace AgentCoherence.Volume.Tests;

public sealed class CoherentVolumeTests : VolumeTestBase
{
    [Fact]
    public async Task Write_then_read_round_trips_through_the_disk_with_a_version()
    {
        await using var planner = await Open("planner");

        var written = await planner.WriteAsync("plans/plan.md", "# Plan\n1. research\n");
        var read = await planner.ReadAsync("plans/plan.md");

        Assert.Equal(1, written.Version);
        Assert.Equal(new VolumeFile("plans/plan.md", "# Plan\n1. research\n", 1), read);
        Assert.Equal("# Plan\n1. research\n", Disk("plans/plan.md"));
    }

    [Fact]
    public async Task A_stale_sequential_overwrite_is_refused_and_recovered_by_reacquire()
    {
        await using var planner = await Open("planner");
        await using var reviewer = await Open("reviewer");
        await planner.WriteAsync("plans/plan.md", "1. research\n");
        var plannerView = await planner.ReadAsync("plans/plan.md");
        var reviewerView = await reviewer.ReadAsync("plans/plan.md");
        await reviewer.WriteAsync("plans/plan.md", reviewerView.Content + "2. review\n");

        var refused = await Assert.ThrowsAsync<StaleViewException>(async () => await planner.WriteAsync("plans/plan.md", plannerView.Content + "2. build\n"));
        Assert.Equal(1, refused.SeenVersion);
        Assert.Equal(2, refused.CurrentVersion);
        Assert.Equal("1. research\n2. review\n", Disk("plans/plan.md"));

        var fresh = await planner.ReacquireAsync("plans/plan.md");
        var merged = await planner.WriteAsync("plans/plan.md", fresh.Content + "3. build\n");

        Assert.Equal(3, merged.Version);
        Assert.Equal("1. research\n2. review\n3. build\n", Disk("plans/plan.md"));
    }

    [Fact]
    public async Task A_foreign_edit_is_reported_on_read()
    {
        await using var planner = await Open("planner");
        var written = await planner.WriteAsync("plans/plan.md", "ours\n");
        File.WriteAllText(Workspace.File("plans/plan.md"), "edited by hand\n");

        var foreign = await Assert.ThrowsAsync<ForeignEditException>(async () => await planner.ReadAsync("plans/plan.md"));

        Assert.Equal("plans/plan.md", foreign.Path);
        Assert.Equal(ContentPayload.HashHex("ours\n"u8), foreign.ExpectedHash);
        Assert.Equal(ContentPayload.HashHex("edited by hand\n"u8), foreign.ActualHash);
        Assert.Equal(1, written.Version);
    }

    [Fact]
    public async Task A_foreign_edit_is_reported_on_write_and_never_overwritten()
    {
        await using var planner = await Open("planner");
        await planner.WriteAsync("plans/plan.md", "ours\n");
        File.WriteAllText(Workspace.File("plans/plan.md"), "edited by hand\n");

        await Assert.ThrowsAsync<ForeignEditException>(async () => await planner.WriteAsync("plans/plan.md", "clobber\n"));

        Assert.Equal("edited by hand\n", Disk("plans/plan.md"));
        var record = await planner.Store.InspectAsync(planner.KeyOf("plans/plan.md"));
        Assert.Equal(1, record!.Version);
        Assert.Null(record.GrantHolder);
    }

    [Fact]
    public async Task A_deleted_managed_file_is_reported_as_a_foreign_edit()
    {
        await using var planner = await Open("planner");
        await planner.WriteAsync("plans/plan.md", "ours\n");
        File.Delete(Workspace.File("plans/plan.md"));

        var foreign = await Assert.ThrowsAsync<ForeignEditException>(async () => await planner.ReadAsync("plans/plan.md"));

        Assert.Null(foreign.ActualHash);
    }

    [Fact]
    public async Task Adopt_commits_the_foreign_edit_as_a_new_version()
    {
        await using var planner = await Open("planner");
        await using var reviewer = await Open("reviewer");
        await planner.WriteAsync("plans/plan.md", "ours\n");
        await reviewer.ReadAsync("plans/plan.md");
        File.WriteAllText(Workspace.File("plans/plan.md"), "edited by hand\n");

        var version = await planner.AdoptAsync("plans/plan.md");

        Assert.Equal(2, version);
        Assert.Equal(new VolumeFile("plans/plan.md", "edited by hand\n", 2), await planner.ReadAsync("plans/plan.md"));
        await Assert.ThrowsAsync<StaleViewException>(async () => await reviewer.WriteAsync("plans/plan.md", "based on v1\n"));
    }

    [Fact]
    public async Task A_managed_file_the_store_never_saw_is_adopted_as_version_1_on_first_read()
    {
        Directory.CreateDirectory(Workspace.File("memory"));
        File.WriteAllText(Workspace.File("memory/facts.json"), "{}");
        await using var planner = await Open("planner");

        var read = await planner.ReadAsync("memory/facts.json");

        Assert.Equal(new VolumeFile("memory/facts.json", "{}", 1), read);
    }

    [Fact]
    public async Task Writing_over_a_file_the_store_never_saw_is_a_foreign_edit()
    {
        Directory.CreateDirectory(Workspace.File("plans"));
        File.WriteAllText(Workspace.File("plans/plan.md"), "made by hand\n");
        await using var planner = await Open("planner");

        await Assert.ThrowsAsync<ForeignEditException>(async () => await planner.WriteAsync("plans/plan.md", "clobber\n"));

        Assert.Equal("made by hand\n", Disk("plans/plan.md"));
    }

    [Fact]
    public async Task Update_appends_to_the_current_content()
    {
        await using var planner = await Open("planner");

        await planner.UpdateAsync("plans/log.md", current => (current ?? "") + "a\n");
        var second = await planner.UpdateAsync("plans/log.md", current => (current ?? "") + "b\n");

        Assert.Equal(2, second.Version);
        Assert.Equal("a\nb\n", Disk("plans/log.md"));
    }

    [Fact]
    public async Task Publish_lands_every_file_or_none()
    {
        await using var planner = await Open("planner");
        await using var reviewer = await Open("reviewer");
        var plan = await planner.WriteAsync("plans/plan.md", "plan v1\n");
        await planner.WriteAsync("memory/facts.json", "{\"v\":1}");
        var facts = await reviewer.ReadAsync("memory/facts.json");
        await reviewer.WriteAsync("memory/facts.json", "{\"v\":2}");

        await Assert.ThrowsAsync<BatchConflictException>(async () => await planner.PublishAsync(
        [
            new VolumePublishItem("plans/plan.md", "plan v2\n", plan.Version),
            new VolumePublishItem("memory/facts.json", "{\"v\":\"planner\"}", facts.Version),
        ]));
        Assert.Equal("plan v1\n", Disk("plans/plan.md"));
        Assert.Equal("{\"v\":2}", Disk("memory/facts.json"));

        var current = await planner.ReacquireAsync("memory/facts.json");
        var landed = await planner.PublishAsync(
        [
            new VolumePublishItem("plans/plan.md", "plan v2\n", plan.Version),
            new VolumePublishItem("memory/facts.json", "{\"v\":3}", current.Version),
        ]);

        Assert.Equal([2L, 3L], landed.Select(f => f.Version));
        Assert.Equal("plan v2\n", Disk("plans/plan.md"));
        Assert.Equal("{\"v\":3}", Disk("memory/facts.json"));
    }

    [Fact]
    public async Task Unmanaged_paths_pass_through_without_versions()
    {
        await using var planner = await Open("planner");

        var written = await planner.WriteAsync("notes/scratch.txt", "anything\n");
        var read = await planner.ReadAsync("notes/scratch.txt");

        Assert.False(written.IsManaged);
        Assert.Equal(new VolumeFile("notes/scratch.txt", "anything\n", 0), read);
        Assert.Null(await planner.Store.InspectAsync(planner.KeyOf("notes/scratch.txt")));
        File.WriteAllText(Workspace.File("notes/scratch.txt"), "edited by hand\n");
        Assert.Equal("edited by hand\n", (await planner.ReadAsync("notes/scratch.txt")).Content);
    }

    [Fact]
    public async Task The_default_store_lives_in_a_private_state_directory()
    {
        await using var planner = await Open("planner");

        Assert.True(File.Exists(CoherentVolume.DefaultDatabasePath(Workspace.Path)));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Workspace.File(".coherence")));
        }
    }
}

using AgentCoherence.Protocol;

namespace AgentCoherence.Volume.Tests;

/// <summary><see cref="CoherentVolume.InspectAsync"/>: a managed file's status from the store, leaving no trace.</summary>
public sealed class VolumeStatusTests : VolumeTestBase
{
    [Fact]
    public async Task A_files_status_shows_its_version_hash_writer_and_each_agents_view()
    {
        await using var planner = await Open("planner");
        await using var reviewer = await Open("reviewer");
        await planner.WriteAsync("plans/plan.md", "v1\n");
        await reviewer.ReadAsync("plans/plan.md");
        await planner.WriteAsync("plans/plan.md", "v2\n");

        var status = await reviewer.InspectAsync("plans/plan.md");

        Assert.Equal(2, status.Version);
        Assert.Equal(ContentPayload.HashHex("v2\n"u8), status.ContentHash);
        Assert.Equal(planner.AgentId, status.LastWriter);
        Assert.Equal(HolderState.Invalid, status.HolderOf(reviewer.AgentId)!.State);
        Assert.Equal(HolderState.Shared, status.HolderOf(planner.AgentId)!.State);
    }

    [Fact]
    public async Task Inspecting_a_file_does_not_refresh_a_stale_view()
    {
        await using var planner = await Open("planner");
        await using var reviewer = await Open("reviewer");
        await planner.WriteAsync("plans/plan.md", "v1\n");
        await reviewer.ReadAsync("plans/plan.md");
        await planner.WriteAsync("plans/plan.md", "v2\n");

        await reviewer.InspectAsync("plans/plan.md");

        await Assert.ThrowsAsync<StaleViewException>(async () => await reviewer.WriteAsync("plans/plan.md", "built on v1\n"));
        Assert.Equal("v2\n", Disk("plans/plan.md"));
    }

    [Fact]
    public async Task Inspecting_joins_no_agent()
    {
        await using var planner = await Open("planner");
        await using var onlooker = await Open("onlooker");
        await planner.WriteAsync("plans/plan.md", "v1\n");

        var status = await onlooker.InspectAsync("plans/plan.md");

        Assert.Equal([planner.AgentId], status.Holders.Select(h => h.Agent));
    }

    [Fact]
    public async Task A_file_on_disk_the_store_never_saw_is_untracked()
    {
        await using var planner = await Open("planner");
        Directory.CreateDirectory(Workspace.File("plans"));
        File.WriteAllText(Workspace.File("plans/new.md"), "by hand\n");

        var status = await planner.InspectAsync("plans/new.md");

        Assert.False(status.IsTracked);
        Assert.Equal(0, status.Version);
    }

    [Fact]
    public async Task An_unmanaged_path_is_refused()
    {
        await using var planner = await Open("planner");

        await Assert.ThrowsAsync<ArgumentException>(async () => await planner.InspectAsync("notes/scratch.txt"));
    }
}

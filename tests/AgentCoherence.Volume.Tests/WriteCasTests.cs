namespace AgentCoherence.Volume.Tests;

public sealed class WriteCasTests : VolumeTestBase
{
    [Fact]
    public async Task Expected_version_0_creates_the_file_as_version_1()
    {
        await using var planner = await Open("planner");

        var created = await planner.WriteCasAsync("plans/plan.md", "1. research\n", expectedVersion: 0);

        Assert.Equal(new VolumeFile("plans/plan.md", "1. research\n", 1), created);
        Assert.Equal("1. research\n", Disk("plans/plan.md"));
    }

    [Fact]
    public async Task The_current_version_lands_without_a_prior_read_by_this_agent()
    {
        await using var planner = await Open("planner");
        await using var reviewer = await Open("reviewer");
        await planner.WriteAsync("plans/plan.md", "1. research\n");

        var written = await reviewer.WriteCasAsync("plans/plan.md", "1. research\n2. review\n", expectedVersion: 1);

        Assert.Equal(2, written.Version);
        Assert.Equal("1. research\n2. review\n", Disk("plans/plan.md"));
        var record = await planner.Store.InspectAsync(planner.KeyOf("plans/plan.md"));
        Assert.Equal(2, record!.Version);
        Assert.Null(record.GrantHolder);
    }

    [Fact]
    public async Task An_old_expected_version_is_a_version_conflict_and_writes_nothing()
    {
        await using var planner = await Open("planner");
        await using var reviewer = await Open("reviewer");
        await planner.WriteAsync("plans/plan.md", "1. research\n");
        await reviewer.WriteCasAsync("plans/plan.md", "1. research\n2. review\n", expectedVersion: 1);

        var conflict = await Assert.ThrowsAsync<VersionConflictException>(async () => await planner.WriteCasAsync("plans/plan.md", "clobber\n", expectedVersion: 1));

        Assert.Equal(1, conflict.ExpectedVersion);
        Assert.Equal(2, conflict.CurrentVersion);
        Assert.Equal("1. research\n2. review\n", Disk("plans/plan.md"));
        Assert.Null((await planner.Store.InspectAsync(planner.KeyOf("plans/plan.md")))!.GrantHolder);
    }

    [Fact]
    public async Task An_expected_version_ahead_of_the_file_is_refused_and_writes_nothing()
    {
        await using var planner = await Open("planner");
        await planner.WriteAsync("plans/plan.md", "1. research\n");

        var ahead = await Assert.ThrowsAsync<ExpectedVersionAheadException>(async () => await planner.WriteCasAsync("plans/plan.md", "invented\n", expectedVersion: 5));

        Assert.Equal(1, ahead.CurrentVersion);
        Assert.Equal("1. research\n", Disk("plans/plan.md"));
    }

    [Fact]
    public async Task A_stale_view_does_not_block_a_compare_and_set_against_the_current_version()
    {
        await using var planner = await Open("planner");
        await using var reviewer = await Open("reviewer");
        await planner.WriteAsync("plans/plan.md", "v1\n");
        await planner.ReadAsync("plans/plan.md");
        await reviewer.ReadAsync("plans/plan.md");
        await reviewer.WriteAsync("plans/plan.md", "v2\n");

        var written = await planner.WriteCasAsync("plans/plan.md", "v3\n", expectedVersion: 2);

        Assert.Equal(3, written.Version);
        Assert.Equal("v3\n", Disk("plans/plan.md"));
    }

    [Fact]
    public async Task A_foreign_edit_is_reported_and_never_overwritten()
    {
        await using var planner = await Open("planner");
        await planner.WriteAsync("plans/plan.md", "ours\n");
        File.WriteAllText(Workspace.File("plans/plan.md"), "edited by hand\n");

        await Assert.ThrowsAsync<ForeignEditException>(async () => await planner.WriteCasAsync("plans/plan.md", "clobber\n", expectedVersion: 1));

        Assert.Equal("edited by hand\n", Disk("plans/plan.md"));
        Assert.Equal(1, (await planner.Store.InspectAsync(planner.KeyOf("plans/plan.md")))!.Version);
    }

    [Fact]
    public async Task A_deleted_file_is_re_created_against_its_tombstone_version()
    {
        await using var planner = await Open("planner");
        await planner.WriteAsync("plans/plan.md", "v1\n");
        File.Delete(Workspace.File("plans/plan.md"));
        var tombstone = await planner.AdoptAsync("plans/plan.md");

        var recreated = await planner.WriteCasAsync("plans/plan.md", "back\n", expectedVersion: tombstone);

        Assert.Equal(2, tombstone);
        Assert.Equal(3, recreated.Version);
        Assert.Equal("back\n", Disk("plans/plan.md"));
    }

    [Fact]
    public async Task An_unmanaged_path_or_a_negative_version_is_an_argument_error()
    {
        await using var planner = await Open("planner");

        await Assert.ThrowsAsync<ArgumentException>(async () => await planner.WriteCasAsync("notes/scratch.txt", "x", expectedVersion: 0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await planner.WriteCasAsync("plans/plan.md", "x", expectedVersion: -1));
        Assert.False(File.Exists(Workspace.File("notes/scratch.txt")));
        Assert.False(File.Exists(Workspace.File("plans/plan.md")));
    }
}

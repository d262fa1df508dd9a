namespace AgentCoherence.Volume.Tests;

/// <summary><see cref="VolumeOptions.Mode"/>: in observe mode a refused file write is written anyway and reported.</summary>
public sealed class ObserveModeTests : VolumeTestBase
{
    private ValueTask<CoherentVolume> Open(string agent, CoherenceMode mode) =>
        CoherentVolume.OpenAsync(Workspace.Path, agent, new VolumeOptions { Managed = ["plans/**"], Mode = mode });

    [Fact]
    public async Task A_stale_write_is_refused_in_enforce_mode_and_written_and_reported_in_observe_mode()
    {
        foreach (var mode in new[] { CoherenceMode.Enforce, CoherenceMode.Observe })
        {
            var path = $"plans/{mode}.md";
            await using var planner = await Open("planner-" + mode, CoherenceMode.Enforce);
            await using var reviewer = await Open("reviewer-" + mode, mode);
            var reported = new List<WouldBeRefusal>();
            reviewer.WouldBeRefused += (_, r) => reported.Add(r);
            Assert.Equal(mode, reviewer.Mode);

            await planner.WriteAsync(path, "v1\n");
            await reviewer.ReadAsync(path);
            await planner.WriteAsync(path, "v2\n");

            if (mode == CoherenceMode.Enforce)
            {
                await Assert.ThrowsAsync<StaleViewException>(async () => await reviewer.WriteAsync(path, "stale\n"));
                Assert.Equal("v2\n", Disk(path));
                Assert.Empty(reported);
            }
            else
            {
                var written = await reviewer.WriteAsync(path, "stale\n");
                Assert.Equal(3, written.Version);
                Assert.Equal("stale\n", Disk(path));
                Assert.Equal("stale\n", (await planner.ReadAsync(path)).Content);
                var report = Assert.Single(reported);
                Assert.Equal(RefusalReason.StaleView, report.Refusal.Reason);
                Assert.Equal(path, report.Key.Name);
            }
        }
    }

    [Fact]
    public async Task A_stale_expected_version_is_written_anyway_in_observe_mode()
    {
        await using var planner = await Open("planner", CoherenceMode.Enforce);
        await using var reviewer = await Open("reviewer", CoherenceMode.Observe);
        var reported = new List<WouldBeRefusal>();
        reviewer.WouldBeRefused += (_, r) => reported.Add(r);
        await planner.WriteAsync("plans/plan.md", "v1\n");
        await planner.WriteAsync("plans/plan.md", "v2\n");

        var written = await reviewer.WriteCasAsync("plans/plan.md", "from v1\n", expectedVersion: 1);

        Assert.Equal(3, written.Version);
        Assert.Equal("from v1\n", Disk("plans/plan.md"));
        Assert.Equal(RefusalReason.VersionConflict, Assert.Single(reported).Refusal.Reason);
        await Assert.ThrowsAsync<ExpectedVersionAheadException>(async () => await reviewer.WriteCasAsync("plans/plan.md", "ahead\n", expectedVersion: 9));
        Assert.Equal("from v1\n", Disk("plans/plan.md"));
    }

    [Fact]
    public async Task The_mode_set_on_the_volume_leaves_the_callers_options_untouched()
    {
        var coherence = new CoherenceOptions { DefaultNamespace = "ns" };
        await using var volume = await CoherentVolume.OpenAsync(Workspace.Path, "a", new VolumeOptions { Managed = ["plans/**"], Coherence = coherence, Mode = CoherenceMode.Observe });
        Assert.Equal(CoherenceMode.Observe, volume.Mode);
        Assert.Equal(CoherenceMode.Enforce, coherence.Mode);
    }
}

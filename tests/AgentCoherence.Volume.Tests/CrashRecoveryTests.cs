using AgentCoherence.Protocol;

namespace AgentCoherence.Volume.Tests;

/// <summary>
/// A writer process killed (SIGKILL) inside the store's step, after it renamed its file into place and before
/// COMMIT: the file's hash then differs from the record. The next read or write puts the committed bytes back.
/// </summary>
public sealed class CrashRecoveryTests : VolumeTestBase
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static readonly SweepPolicy ReclaimEveryGrant = new(TimeSpan.FromDays(1), TimeSpan.Zero, null);

    private static VolumeOptions Shared() => new() { Managed = ["shared/**"] };

    [Fact]
    public async Task A_file_renamed_by_a_writer_killed_before_its_commit_is_put_back_on_the_next_read()
    {
        await using var reader = await CoherentVolume.OpenAsync(Workspace.Path, "reader", Shared());
        await reader.WriteAsync("shared/doc.md", "committed v1\n");

        await KillWriterAfterRename("shared/doc.md", "never committed\n");
        Assert.Equal("never committed\n", Disk("shared/doc.md"));

        var read = await reader.ReadAsync("shared/doc.md");

        Assert.Equal(new VolumeFile("shared/doc.md", "committed v1\n", 1), read);
        Assert.Equal("committed v1\n", Disk("shared/doc.md"));
        Assert.Empty(Leftovers());
    }

    [Fact]
    public async Task A_file_renamed_by_a_writer_killed_before_its_commit_is_put_back_before_the_next_write()
    {
        await using var writer = await CoherentVolume.OpenAsync(Workspace.Path, "writer", Shared());
        await writer.WriteAsync("shared/doc.md", "committed v1\n");
        await KillWriterAfterRename("shared/doc.md", "never committed\n");

        // The dead writer still holds the grant until the sweep reclaims it.
        await Assert.ThrowsAsync<HeldByOtherException>(async () => await writer.WriteAsync("shared/doc.md", "v2\n"));
        Assert.Single((await writer.Store.SweepAsync(ReclaimEveryGrant)).Reclaimed);
        var written = await writer.UpdateAsync("shared/doc.md", current => current + "v2\n");

        Assert.Equal(new VolumeFile("shared/doc.md", "committed v1\nv2\n", 2), written);
        Assert.Equal("committed v1\nv2\n", Disk("shared/doc.md"));
        Assert.Empty(Leftovers());
    }

    [Fact]
    public async Task A_file_created_by_a_writer_killed_before_its_commit_is_removed_on_the_next_read()
    {
        await using var reader = await CoherentVolume.OpenAsync(Workspace.Path, "reader", Shared());

        await KillWriterAfterRename("shared/new.md", "never committed\n");
        Assert.True(File.Exists(Workspace.File("shared/new.md")));

        await Assert.ThrowsAsync<ArtifactNotFoundException>(async () => await reader.ReadAsync("shared/new.md"));

        Assert.False(File.Exists(Workspace.File("shared/new.md")));
        Assert.Empty(Leftovers());
    }

    [Fact]
    public async Task A_hand_edit_after_a_crash_was_put_back_is_still_a_foreign_edit()
    {
        await using var reader = await CoherentVolume.OpenAsync(Workspace.Path, "reader", Shared());
        await reader.WriteAsync("shared/doc.md", "committed v1\n");
        await KillWriterAfterRename("shared/doc.md", "never committed\n");
        await reader.ReadAsync("shared/doc.md");

        File.WriteAllText(Workspace.File("shared/doc.md"), "never committed\n");

        var foreign = await Assert.ThrowsAsync<ForeignEditException>(async () => await reader.ReadAsync("shared/doc.md"));
        Assert.Equal(ContentPayload.HashHex("never committed\n"u8), foreign.ActualHash);
        Assert.Equal("never committed\n", Disk("shared/doc.md"));
    }

    private async Task KillWriterAfterRename(string file, string text)
    {
        using var worker = WorkerProcess.Start("hang-after-rename", Workspace.Path, "doomed", file, text);
        await worker.WaitForLine("RENAMED", Timeout);
        worker.KillHard();
    }

    /// <summary>Temporary files next to the managed files, and intents still recorded.</summary>
    private IEnumerable<string> Leftovers()
    {
        var intents = Path.Combine(Workspace.Path, CoherentVolume.StateDirectoryName, "intents");
        return Directory.EnumerateFiles(Workspace.File("shared"), "*.coherence-tmp")
            .Concat(Directory.Exists(intents) ? Directory.EnumerateFiles(intents) : []);
    }
}

namespace AgentCoherence.Volume.Tests;

public sealed class PathSafetyTests : VolumeTestBase
{
    [Theory]
    [InlineData("../x")]
    [InlineData("plans/../../x")]
    [InlineData("/etc/passwd")]
    [InlineData("\\etc\\passwd")]
    [InlineData(".coherence/directory.db")]
    [InlineData("./.coherence/directory.db")]
    [InlineData("")]
    public async Task Paths_escaping_the_root_or_into_the_state_directory_are_refused(string path)
    {
        await using var planner = await Open("planner");

        await Assert.ThrowsAsync<UnsafePathException>(async () => await planner.ReadAsync(path));
        await Assert.ThrowsAsync<UnsafePathException>(async () => await planner.WriteAsync(path, "x"));
    }

    [Fact]
    public async Task A_symlinked_directory_leading_out_of_the_root_is_refused()
    {
        using var outside = new TempDirectory();
        File.WriteAllText(outside.File("secret.md"), "secret");
        Directory.CreateSymbolicLink(Workspace.File("plans"), outside.Path);
        await using var planner = await Open("planner");

        var refused = await Assert.ThrowsAsync<UnsafePathException>(async () => await planner.ReadAsync("plans/secret.md"));
        await Assert.ThrowsAsync<UnsafePathException>(async () => await planner.WriteAsync("plans/secret.md", "clobber"));

        Assert.Equal("plans/secret.md", refused.Path);
        Assert.Equal("secret", File.ReadAllText(outside.File("secret.md")));
    }

    [Fact]
    public async Task A_symlinked_file_leading_out_of_the_root_is_refused_even_when_unmanaged()
    {
        using var outside = new TempDirectory();
        File.WriteAllText(outside.File("passwd"), "root:x:0:0");
        File.CreateSymbolicLink(Workspace.File("notes.txt"), outside.File("passwd"));
        await using var planner = await Open("planner");

        await Assert.ThrowsAsync<UnsafePathException>(async () => await planner.ReadAsync("notes.txt"));
        await Assert.ThrowsAsync<UnsafePathException>(async () => await planner.WriteAsync("notes.txt", "clobber"));

        Assert.Equal("root:x:0:0", File.ReadAllText(outside.File("passwd")));
    }

    [Fact]
    public async Task A_symlink_into_the_state_directory_is_refused()
    {
        await using var planner = await Open("planner");
        File.CreateSymbolicLink(Workspace.File("db"), Workspace.File(".coherence/directory.db"));

        await Assert.ThrowsAsync<UnsafePathException>(async () => await planner.ReadAsync("db"));
    }

    [Fact]
    public async Task A_symlink_staying_inside_the_root_is_followed()
    {
        Directory.CreateDirectory(Workspace.File("real"));
        Directory.CreateSymbolicLink(Workspace.File("alias"), Workspace.File("real"));
        await using var planner = await Open("planner");

        await planner.WriteAsync("alias/note.txt", "hi");

        Assert.Equal("hi", Disk("real/note.txt"));
    }
}

namespace AgentCoherence.Volume.Tests;

public sealed class MultiProcessTests : VolumeTestBase
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Four_processes_racing_read_modify_write_keep_every_update()
    {
        const int Appends = 15;
        var agents = new[] { "p1", "p2", "p3", "p4" };
        var workers = agents.Select(a => WorkerProcess.Start("append", Workspace.Path, a, "shared/log.txt", Appends.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList();
        try
        {
            foreach (var (worker, agent) in workers.Zip(agents))
            {
                await worker.WaitForLine($"DONE {agent}", Timeout);
                Assert.Equal(0, await worker.WaitForExit(Timeout));
            }
        }
        finally
        {
            workers.ForEach(w => w.Dispose());
        }

        var lines = File.ReadAllLines(Workspace.File("shared/log.txt"));
        var expected = agents.SelectMany(a => Enumerable.Range(0, Appends).Select(i => $"{a} {i}")).Order().ToList();
        Assert.Equal(expected, lines.Order().ToList());
        foreach (var agent in agents)
        {
            // Each process's own appends stay in its order.
            Assert.Equal(Enumerable.Range(0, Appends).Select(i => $"{agent} {i}"), lines.Where(l => l.StartsWith(agent + " ", StringComparison.Ordinal)));
        }

        await using var checker = await CoherentVolume.OpenAsync(Workspace.Path, "checker", new VolumeOptions { Managed = ["shared/**"] });
        Assert.Equal(agents.Length * Appends, (await checker.ReadAsync("shared/log.txt")).Version);
    }

    [Fact]
    public async Task A_writer_killed_mid_write_leaves_the_old_or_the_new_file_whole()
    {
        const int Lines = 20_000;
        using var worker = WorkerProcess.Start("churn", Workspace.Path, "churner", "shared/big.txt", Lines.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await worker.WaitForLine("V 2", Timeout);
        await Task.Delay(300);
        worker.KillHard();

        var content = File.ReadAllText(Workspace.File("shared/big.txt"));
        var first = content[..content.IndexOf(' ', StringComparison.Ordinal)];
        var version = int.Parse(first[1..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(version >= 2, $"version {version}");
        Assert.Equal(string.Concat(Enumerable.Range(0, Lines).Select(i => $"v{version} {i:D6}\n")), content);
    }
}

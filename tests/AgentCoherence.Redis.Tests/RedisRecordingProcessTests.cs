using AgentCoherence.Testing;
using Xunit.Abstractions;

namespace AgentCoherence.Redis.Tests;

/// <summary>Two OS processes contending on one Redis, each recording its client into the same directory; the merged recording replays clean (issue 14).</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisRecordingProcessTests(RedisFixture redis, ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [SkippableFact]
    public async Task Two_processes_recording_a_contended_run_into_one_directory_leave_files_that_merge_and_replay_clean()
    {
        var prefix = RedisFixture.NewPrefix();
        using var directory = new TempDirectory();
        var workers = new[] { "alpha", "beta" }.Select(agent => WorkerProcess.Start("record", redis.ConnectionString, prefix, directory.Path, agent, "40")).ToList();
        await TwoProcessRecording.RunAsync(workers, Patience);

        var (merged, replay) = await TwoProcessRecording.AssertMergedAsync(directory.Path, 40, "alpha", "beta");
        output.WriteLine(TwoProcessRecording.Describe(merged, replay));
    }
}

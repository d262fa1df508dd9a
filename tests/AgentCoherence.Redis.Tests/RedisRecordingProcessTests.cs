using AgentCoherence.Testing;
using Xunit.Abstractions;

namespace AgentCoherence.Redis.Tests;

/// <summary>Two OS processes on one Redis, each recording its client into the same directory (issue 14).</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisRecordingProcessTests(RedisFixture redis, ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [SkippableFact]
    public async Task Two_processes_recording_into_one_directory_leave_files_that_merge_by_time()
    {
        var prefix = RedisFixture.NewPrefix();
        using var directory = new TempDirectory();
        var workers = new[] { "alpha", "beta" }.Select(agent => WorkerProcess.Start("record", redis.ConnectionString, prefix, directory.Path, agent, "40")).ToList();
        try
        {
            foreach (var worker in workers)
            {
                Assert.True(await worker.WaitForExit(Patience) == 0, worker.Transcript);
            }
        }
        finally
        {
            workers.ForEach(w => w.Dispose());
        }

        var merged = await TwoProcessRecording.AssertMergedAsync(directory.Path, 40, "alpha", "beta");
        output.WriteLine($"{merged.Count} lines merged");
    }
}

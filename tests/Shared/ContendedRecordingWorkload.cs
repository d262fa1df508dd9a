using System.Globalization;
using AgentCoherence;

/// <summary>
/// The workload each worker process of the two-process recording tests runs (SQLite and Redis alike; this file is
/// linked into both workers): one agent contending with the other process's agent for the same artifacts, recorded
/// into a shared directory with <c>RecordTo</c>.
/// </summary>
/// <remarks>
/// Protocol with the test: the worker reads key counter and prints <c>READ v&lt;version&gt;</c>, then waits for a line on
/// stdin. The test sends it to both workers once both have read, so both compare-and-set from the same version: one
/// lands, the other conflicts (<c>DUEL won</c> / <c>DUEL lost</c>) and lands its increment with <c>UpdateAsync</c>. Then
/// <c>count - 1</c> more increments with <c>UpdateAsync</c> (1 ms of work between its read and its write), each read back, and every fourth a grant write of key
/// board.md that retries on <c>HeldByOther</c> and <c>StaleView</c>. Exactly <c>count</c> compare-and-sets of counter
/// land per agent. Prints <c>DONE &lt;agent&gt; refusals &lt;board refusals&gt;</c>.
/// </remarks>
internal static class ContendedRecordingWorkload
{
    /// <summary>Update retries for two processes hammering one counter: many, short.</summary>
    public static CoherenceOptions Options() => new()
    {
        Update = { MaxRetries = 1_000, BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(20) },
    };

    public static async Task<int> RunAsync(CoherenceClient client, string directory, string agentName, int count)
    {
        await using (client.RecordTo(directory))
        {
            await using var agent = client.Agent(agentName);
            var counter = client.Key("counter");
            var board = client.Key("board.md");
            var seen = await agent.TryReadAsync(counter);
            Console.WriteLine($"READ v{seen?.Version ?? 0}");
            if (Console.ReadLine() is null)
            {
                return 3;
            }

            try
            {
                await agent.WriteCasAsync(counter, Next(seen), seen?.Version ?? 0);
                Console.WriteLine("DUEL won");
            }
            catch (VersionConflictException)
            {
                Console.WriteLine("DUEL lost");
                await agent.UpdateAsync(counter, Next);
            }

            var refusals = 0;
            for (var i = 1; i < count; i++)
            {
                await agent.UpdateAsync(counter, Think);
                await agent.ReadAsync(counter);
                if (i % 4 == 0)
                {
                    refusals += await WriteBoard(agent, board, $"{agentName} {i}");
                }
            }

            Console.WriteLine($"DONE {agentName} refusals {refusals}");
        }

        return 0;
    }

    // Computing the next value takes a moment, as an agent's work does: the other process gets in between the read and
    // the compare-and-set, and one of them conflicts.
    private static async ValueTask<string> Think(ArtifactView? current, CancellationToken cancellationToken)
    {
        await Task.Delay(1, cancellationToken);
        return Next(current);
    }

    private static string Next(ArtifactView? current) =>
        ((current is null ? 0 : long.Parse(current.Text, CultureInfo.InvariantCulture)) + 1).ToString(CultureInfo.InvariantCulture);

    // A grant write from this agent's view (perhaps stale: signals do not cross processes here), re-read and retried
    // while the other process holds the grant or has moved the board on.
    private static async Task<int> WriteBoard(CoherentAgent agent, ArtifactKey board, string line)
    {
        var current = await agent.TryReadAsync(board);
        for (var refusals = 0; refusals < 1_000; refusals++)
        {
            try
            {
                await agent.WriteAsync(board, $"{current?.Text}{line}\n");
                return refusals;
            }
            catch (CoherenceException refused) when (refused is StaleViewException or HeldByOtherException)
            {
                await Task.Delay(1);
                try
                {
                    current = await agent.ReacquireAsync(board);
                }
                catch (ArtifactNotFoundException)
                {
                    current = null;
                }
            }
        }

        throw new InvalidOperationException("the board stayed contended through 1,000 attempts");
    }
}

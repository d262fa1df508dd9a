namespace AgentCoherence.Cli.Status;

/// <summary>
/// <c>coherence status --demo</c>: a minute of a small team on the in-memory store, played on a hand-moved clock, so
/// the status shows every kind of row without a server: a held grant with a reader whose copy went stale, a deleted
/// artifact, a silent worker whose grant the sweep reclaimed, and agents' heartbeats.
/// </summary>
internal static class StatusDemoScene
{
    public static readonly ArtifactKey Plan = ArtifactKey.Of("plans/plan.md");
    public static readonly ArtifactKey Scratch = ArtifactKey.Of("notes/scratch.md");
    public static readonly ArtifactKey Queue = ArtifactKey.Of("tasks/queue.json");

    /// <summary>Plays the scene and returns the store's status at its end (taken before anyone leaves).</summary>
    public static async Task<StoreStatus> RunAsync(CancellationToken cancellationToken = default)
    {
        var start = DateTimeOffset.UtcNow;
        var clock = new ManualClock(start.AddTicks(-(start.Ticks % TimeSpan.TicksPerSecond)));
        var store = new InMemoryDirectoryStore(clock);

        // No timers: the scene sends the heartbeats and runs the sweep itself, on its own clock.
        var options = new CoherenceOptions { CrashRecovery = { Enabled = false, HeartbeatTimeout = TimeSpan.FromSeconds(30) }, HeartbeatInterval = TimeSpan.FromSeconds(10) };
        await using var client = new CoherenceClient(store, new InMemoryEventBus(), options, clock);
        var quiet = new AgentOptions { SendHeartbeats = false };
        await using var planner = client.Agent("planner", quiet);
        await using var reviewer = client.Agent("reviewer", quiet);
        await using var editor = client.Agent("editor", quiet);
        await using var worker = client.Agent("worker-7", quiet);

        await planner.WriteAsync(Plan, "# Plan\n1. Research the billing API\n", cancellationToken);
        await reviewer.ReadAsync(Plan, cancellationToken);
        clock.Advance(TimeSpan.FromSeconds(5));
        await planner.WriteAsync(Plan, "# Plan\n1. Research the billing API\n2. Write the client\n", cancellationToken);

        // worker-7 takes the queue's grant, then goes silent (a crashed process).
        clock.Advance(TimeSpan.FromSeconds(3));
        var orphaned = await worker.AcquireAsync(Queue, cancellationToken);

        clock.Advance(TimeSpan.FromSeconds(2));
        await planner.WriteAsync(Scratch, "scratch notes\n", cancellationToken);
        await planner.DeleteAsync(Scratch, cancellationToken: cancellationToken);

        // 40 seconds on, the others are alive and the sweep reclaims the silent worker's grant.
        clock.Advance(TimeSpan.FromSeconds(40));
        foreach (var alive in new[] { planner, reviewer, editor })
        {
            await alive.HeartbeatAsync(cancellationToken);
        }

        await client.SweepAsync(cancellationToken);

        // The editor takes the plan's grant and is still working on it when the status is taken.
        clock.Advance(TimeSpan.FromSeconds(5));
        await editor.ReadAsync(Plan, cancellationToken);
        var editing = await editor.AcquireAsync(Plan, cancellationToken);
        clock.Advance(TimeSpan.FromSeconds(12));
        await planner.HeartbeatAsync(cancellationToken);
        await reviewer.HeartbeatAsync(cancellationToken);

        var status = await StoreStatus.ReadAsync(store, "memory-demo", "in-process (coherence status --demo)", clock, cancellationToken);
        await editing.DisposeAsync();
        await orphaned.DisposeAsync();

        return status;
    }
}

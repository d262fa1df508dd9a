using System.Globalization;
using AgentCoherence.Protocol;
using AgentCoherence.Recording;
using AgentCoherence.Testing;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace AgentCoherence.Tests.Recording;

/// <summary>
/// Issue 14's end-to-end proof on the in-memory store: a run in which agents really contend (grant writes, conflicting
/// compare-and-sets, deletes, a batch, cache hits, a stalled agent reclaimed by the sweep and then fenced, lost replies,
/// lost requests and an unavailable store) is recorded by <c>RecordTo</c> and replays clean. The test counts what the
/// recording holds, so that it cannot pass on a recording without refusals, overlaps or unknown outcomes.
/// </summary>
public sealed class ContendedRunReplayTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _directory = new("agentcoherence-contended-replay");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task A_recorded_contended_run_with_faults_a_reclaim_and_a_zombie_replays_clean()
    {
        // Every reading of the clock moves it 1 ms: concurrent calls get distinct, ordered timestamps, so the recording
        // carries real-time order (what completed before another started) and true overlaps, as a system clock would.
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero)) { AutoAdvanceAmount = TimeSpan.FromMilliseconds(1) };
        var faulty = new FaultyDirectoryStore(new InMemoryDirectoryStore(time));
        var late = new LateStore(faulty);
        var options = new CoherenceOptions
        {
            CrashRecovery = { Enabled = false },
            Update = { MaxRetries = 200, BaseDelay = TimeSpan.Zero },
            StoreRetry = { MaxAttempts = 12, BaseDelay = TimeSpan.Zero },
        };

        await using (var client = new CoherenceClient(late, new InMemoryEventBus(), options, time))
        {
            await using (client.RecordTo(_directory.Path))
            {
                await ScriptedContention(client, faulty, late);
                await FreeForAll(client, faulty);
                await StalledAgentAndZombie(client, time);
            }
        }

        var entries = await RecordingReader.ReadMergedAsync([_directory.Path]);
        var report = RecordingReplay.Check(entries);
        output.WriteLine($"{report.Entries} entries, {report.StoreOperations} store operations, {report.Partitions} partitions, {report.SearchSteps} search steps, {report.Reordered} reordered, {report.UncertainApplied} uncertain applied, {report.CacheHits} cache hits, {report.SignalsDelivered} signals delivered");

        Assert.True(report.Clean, report.FirstDivergence is { } d ? $"{d.Source} step {d.Step}: {d.Check}: {d.Message}" : null);

        // Not vacuous: the recording holds refusals of many reasons, unknown and unavailable attempts, overlapping calls, ...
        var reasons = entries.Where(e => e.Outcome == RecordingOutcome.Refused && e.Reason is not null).Select(e => e.Reason!.Value)
            .Concat(entries.Where(e => e.Members is not null).SelectMany(e => e.Members!).Where(m => m.Reason is not null).Select(m => m.Reason!.Value))
            .ToHashSet();
        output.WriteLine($"refusal reasons: {string.Join(", ", reasons.Order())}");
        foreach (var reason in new[] { RefusalReason.StaleView, RefusalReason.HeldByOther, RefusalReason.VersionConflict, RefusalReason.StaleEpoch, RefusalReason.NotFound, RefusalReason.ExpectedVersionAhead })
        {
            Assert.Contains(reason, reasons);
        }

        var unknown = entries.Count(e => e.Outcome == RecordingOutcome.Unknown);
        var unavailable = entries.Count(e => e.Outcome == RecordingOutcome.Unavailable);
        var overlaps = Overlapping(entries);
        var conflicts = entries.Count(e => e.Reason == RefusalReason.VersionConflict)
            + entries.Where(e => e.Members is not null).Sum(e => e.Members!.Count(m => m.Reason == RefusalReason.VersionConflict));
        output.WriteLine($"{unknown} unknown, {unavailable} unavailable, {overlaps} overlapping pairs of different agents' calls on one key, {conflicts} version conflicts");
        Assert.True(unknown >= 4, $"{unknown} unknown attempts");
        Assert.True(unavailable >= 2, $"{unavailable} unavailable attempts");
        Assert.True(overlaps >= 3, $"{overlaps} overlapping pairs");
        Assert.True(report.UncertainApplied >= 2, $"{report.UncertainApplied} lost replies found applied");

        // Each of the 8 rounds has three writers of the tally from one version: at least two lose. And the two calls
        // that reached the store late are out of start order: replay had to search for the store's order.
        Assert.True(conflicts >= 16, $"{conflicts} version conflicts");
        Assert.True(report.Reordered >= 2, $"{report.Reordered} entries reordered");

        // ... and every kind of operation the run made, the sweep's reclaim included.
        foreach (var op in new[] { RecordingOperation.Acquire, RecordingOperation.Commit, RecordingOperation.CommitCas, RecordingOperation.CommitAll, RecordingOperation.Delete, RecordingOperation.DeleteCas, RecordingOperation.Release, RecordingOperation.Read, RecordingOperation.Sweep, RecordingOperation.Heartbeat, RecordingOperation.Forget })
        {
            Assert.Contains(entries, e => e.Op == op);
        }

        Assert.Contains(entries, e => e.Op == RecordingOperation.Sweep && e.Signals is { Count: > 0 } signals && signals.Any(s => s.Kind == SignalKind.Reclaim && s.Recipient == "zombie"));
        Assert.True(report.CacheHits > 0, "cache hits");
        Assert.True(report.SignalsDelivered > 0, "signals delivered");
        Assert.True(report.StoreOperations > 200, $"{report.StoreOperations} store operations");
    }

    // Different agents' store calls on one key whose [started, completed] intervals overlap.
    private static int Overlapping(IReadOnlyList<RecordingEntry> entries)
    {
        var calls = entries.Where(e => e.Key is not null && e.Agent is not null && e.Op is not (RecordingOperation.CacheHit or RecordingOperation.SignalDelivered)).ToList();
        var count = 0;
        for (var i = 0; i < calls.Count; i++)
        {
            for (var j = i + 1; j < calls.Count && calls[j].Started < calls[i].Completed; j++)
            {
                if (calls[j].Key == calls[i].Key && calls[j].Agent != calls[i].Agent)
                {
                    count++;
                }
            }
        }

        return count;
    }

    // Each refusal and each fault, once, in an order the test controls.
    private static async Task ScriptedContention(CoherenceClient client, FaultyDirectoryStore faulty, LateStore late)
    {
        await using var planner = client.Agent("planner");
        await using var reviewer = client.Agent("reviewer");
        await using var writer = client.Agent("writer");
        var plan = client.Key("plan.md");
        var counter = client.Key("counter");
        var notes = client.Key("notes.md");
        var scratch = client.Key("scratch.md");

        // A grant write, a read, a hit from the cache, a peer's write that invalidates it, and the stale grant write refused.
        await planner.WriteAsync(plan, "v1");
        await reviewer.ReadAsync(plan);
        await reviewer.ReadAsync(plan);
        await planner.WriteAsync(plan, "v2");
        await Assert.ThrowsAsync<StaleViewException>(async () => await reviewer.WriteAsync(plan, "from v1"));

        // A compare-and-set while a peer holds the grant.
        await using (var grant = await planner.AcquireAsync(plan))
        {
            var current = await reviewer.ReacquireAsync(plan);
            await Assert.ThrowsAsync<HeldByOtherException>(async () => await reviewer.WriteCasAsync(plan, "under the grant", current.Version));
            await grant.CommitAsync("v3");
            await grant.CommitAsync("v4");
        }

        // Two agents compare-and-set from the same version: one lands, one conflicts; and an expected version from the future.
        await planner.WriteCasAsync(counter, "0", 0);
        var seenByReviewer = await reviewer.ReadAsync(counter);
        var seenByWriter = await writer.ReadAsync(counter);
        await reviewer.WriteCasAsync(counter, "1", seenByReviewer.Version);
        await Assert.ThrowsAsync<VersionConflictException>(async () => await writer.WriteCasAsync(counter, "1", seenByWriter.Version));
        await Assert.ThrowsAsync<ExpectedVersionAheadException>(async () => await writer.WriteCasAsync(counter, "x", 99));

        // A delete, a read of the tombstone refused, a re-create from the tombstone's version, a grant delete.
        var created = await writer.WriteCasAsync(scratch, "scratch", 0);
        var tombstone = await writer.DeleteAsync(scratch, created.Version);
        await Assert.ThrowsAsync<ArtifactNotFoundException>(async () => await reviewer.ReadAsync(scratch));
        await writer.WriteCasAsync(scratch, "scratch again", tombstone);
        await writer.DeleteAsync(scratch);

        // A batch with a stale member refused whole, then landed.
        var planSeen = await writer.ReadAsync(plan);
        var notesMade = await writer.WriteCasAsync(notes, "n1", 0);
        await Assert.ThrowsAsync<BatchConflictException>(async () => await writer.PublishAsync([new PublishItem(plan, "batch", planSeen.Version), new PublishItem(notes, "batch", 0)]));
        await writer.PublishAsync([new PublishItem(plan, "batch", planSeen.Version), new PublishItem(notes, "batch", notesMade.Version)]);

        // A lost reply with a peer reading and writing in the gap: the peer's calls lie inside the lost attempt's interval,
        // and the retry gets the landed write back.
        faulty.InTheGap = async () =>
        {
            // The writer's signal goes out only after its reply: the reviewer's cache still says v2, so it re-reads.
            var seen = await reviewer.ReacquireAsync(counter);
            await reviewer.WriteCasAsync(counter, "written in the gap", seen.Version);
        };
        faulty.NextWrite = FaultyDirectoryStore.Fault.LoseReply;
        var before = await planner.ReadAsync(counter);
        var landed = await planner.WriteCasAsync(counter, "lost reply", before.Version);
        Assert.Equal(before.Version + 1, landed.Version);

        // A lost request with a peer writing in the gap: the retry (same operation id) conflicts, UpdateAsync re-reads and lands.
        faulty.InTheGap = async () => await reviewer.UpdateAsync(counter, _ => "peer in the gap");
        faulty.NextWrite = FaultyDirectoryStore.Fault.LoseRequest;
        await planner.UpdateAsync(counter, current => current!.Text + "+1");

        // Calls that reach the store late: a peer's whole write runs after the call started and before it takes effect,
        // so the order by start time is not the store's order, and replay has to find the store's.
        var stale = await planner.ReacquireAsync(counter);
        late.BeforeNext = async () => await reviewer.UpdateAsync(counter, current => current!.Text + "+r");
        await Assert.ThrowsAsync<VersionConflictException>(async () => await planner.WriteCasAsync(counter, "overtaken", stale.Version));
        late.BeforeNext = async () => await reviewer.UpdateAsync(counter, current => current!.Text + "+r");
        var overtaken = await planner.ReacquireAsync(counter);
        Assert.Equal(stale.Version + 2, overtaken.Version);

        // An unavailable store on a grant's acquire, a lost reply on a batch, on a delete and on a release.
        faulty.NextWrite = FaultyDirectoryStore.Fault.Unavailable;
        var notesNow = await planner.ReadAsync(notes);
        await planner.WriteAsync(notes, notesNow.Text + " + planner");
        var planNow = await planner.ReadAsync(plan);
        notesNow = await planner.ReadAsync(notes);
        faulty.NextWrite = FaultyDirectoryStore.Fault.LoseReply;
        await planner.PublishAsync([new PublishItem(plan, "batch after a lost reply", planNow.Version), new PublishItem(notes, "batch after a lost reply", notesNow.Version)]);
        await writer.WriteCasAsync(scratch, "scratch for a lost delete", (await client.InspectAsync(scratch)).Version);
        faulty.NextWrite = FaultyDirectoryStore.Fault.LoseReply;
        await writer.DeleteAsync(scratch);
        await reviewer.ReadAsync(notes);
        var held = await reviewer.AcquireAsync(notes);
        faulty.NextWrite = FaultyDirectoryStore.Fault.LoseReply;
        Assert.True(await reviewer.ReleaseAsync(notes));
        await held.DisposeAsync();
    }

    // Six agents as concurrent tasks, in rounds: all read the shared artifacts, then all write from what they read at
    // once, so that every round has losers (compare-and-sets that conflict, grant writes held by another or stale), with
    // faults queued for whoever writes next.
    private static async Task FreeForAll(CoherenceClient client, FaultyDirectoryStore faulty)
    {
        var tally = client.Key("tally");
        var board = client.Key("board.md");
        var notes = client.Key("notes.md");
        var scratch = client.Key("scratch.md");
        var agents = Enumerable.Range(0, 6).Select(n => client.Agent($"agent-{n}")).ToList();
        await agents[0].WriteCasAsync(tally, "0", 0);
        await agents[0].WriteAsync(board, "board");
        faulty.Then(
            FaultyDirectoryStore.Fault.LoseReply,
            FaultyDirectoryStore.Fault.None,
            FaultyDirectoryStore.Fault.LoseRequest,
            FaultyDirectoryStore.Fault.None,
            FaultyDirectoryStore.Fault.Unavailable,
            FaultyDirectoryStore.Fault.None,
            FaultyDirectoryStore.Fault.LoseReply,
            FaultyDirectoryStore.Fault.None,
            FaultyDirectoryStore.Fault.LoseRequest);
        for (var round = 0; round < 8; round++)
        {
            var seen = await Task.WhenAll(agents.Select(agent => Task.Run(async () =>
                (Tally: await agent.ReadAsync(tally), Board: await agent.ReadAsync(board), Notes: await agent.ReadAsync(notes), Scratch: await agent.TryReadAsync(scratch)))));
            var r = round;
            await Task.WhenAll(agents.Select((agent, n) => Task.Run(async () =>
            {
                var mine = seen[n];
                try
                {
                    switch ((r + n) % 4)
                    {
                        case 0:
                            await agent.WriteCasAsync(tally, Increment(mine.Tally.Text), mine.Tally.Version);
                            break;
                        case 1:
                            await agent.WriteAsync(board, $"{mine.Board.Text} {n}.{r}");
                            break;
                        case 2:
                            await agent.PublishAsync([new PublishItem(tally, Increment(mine.Tally.Text), mine.Tally.Version), new PublishItem(notes, $"{mine.Notes.Text} {n}.{r}", mine.Notes.Version)]);
                            break;
                        default:
                            if (mine.Scratch is null)
                            {
                                await agent.WriteCasAsync(scratch, $"scratch {n}.{r}", (await client.InspectAsync(scratch)).Version);
                            }
                            else
                            {
                                await agent.DeleteAsync(scratch, mine.Scratch.Version);
                            }

                            break;
                    }
                }
                catch (CoherenceException refused) when (refused.IsRetryable || refused is ArtifactNotFoundException)
                {
                    // A loser of the round: it re-reads and lands its change with retries, as a real agent would re-plan.
                    await agent.UpdateAsync(tally, async (current, _) =>
                    {
                        await Task.Yield();
                        return Increment(current?.Text);
                    });
                }
            })));
        }

        foreach (var agent in agents)
        {
            await agent.DisposeAsync();
        }
    }

    // A writer that stops sending heartbeats holds a grant past the timeout; the sweep reclaims it, and its late commit
    // and its compare-and-set are fenced until it re-reads.
    private static async Task StalledAgentAndZombie(CoherenceClient client, FakeTimeProvider time)
    {
        var board = client.Key("board.md");
        await using var live = client.Agent("live");
        await using var zombie = client.Agent("zombie", new AgentOptions { SendHeartbeats = false });
        await live.ReadAsync(board);
        var held = await zombie.ReacquireAsync(board);
        var grant = await zombie.AcquireAsync(board);

        time.Advance(TimeSpan.FromMinutes(3));
        var swept = await client.SweepAsync();
        Assert.Equal("zombie", Assert.Single(swept.Reclaimed).Agent.Value);

        await Assert.ThrowsAsync<StaleEpochException>(async () => await grant.CommitAsync("late work"));
        await Assert.ThrowsAsync<StaleEpochException>(async () => await zombie.WriteCasAsync(board, "late compare-and-set", held.Version));
        await live.UpdateAsync(board, current => current?.Text + " + live");
        var current = await zombie.ReacquireAsync(board);
        await zombie.WriteAsync(board, current.Text + " + redone");
        await grant.DisposeAsync();
    }

    /// <summary>Runs a hook once, at the start of the next read or compare-and-set, before the call reaches the store.</summary>
    private sealed class LateStore(IDirectoryStore inner) : DelegatingDirectoryStore(inner)
    {
        public Func<Task>? BeforeNext { get; set; }

        public override async ValueTask<ReadResult> ReadAsync(AgentId agent, ArtifactKey key, long knownVersion = -1, CancellationToken cancellationToken = default)
        {
            await RunHook();
            return await Inner.ReadAsync(agent, key, knownVersion, cancellationToken);
        }

        public override async ValueTask<WriteResult> CommitCasAsync(AgentId agent, ArtifactKey key, ContentPayload content, long expectedVersion, OperationId operation = default, CancellationToken cancellationToken = default)
        {
            await RunHook();
            return await Inner.CommitCasAsync(agent, key, content, expectedVersion, operation, cancellationToken);
        }

        private async Task RunHook()
        {
            var hook = BeforeNext;
            BeforeNext = null;
            if (hook is not null)
            {
                await hook();
            }
        }
    }

    private static string Increment(string? text) =>
        (long.Parse(text?.Split(' ')[0] ?? "0", CultureInfo.InvariantCulture) + 1).ToString(CultureInfo.InvariantCulture);
}

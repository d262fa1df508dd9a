using System.Text;
using AgentCoherence.Protocol;
using AgentCoherence.Recording;
using AgentCoherence.Testing;
using Microsoft.Extensions.Time.Testing;

namespace AgentCoherence.Tests.Recording;

public sealed class RecorderTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    /// <summary>One line of a recording, compactly: what the scripted test compares.</summary>
    internal static string Describe(RecordingEntry e)
    {
        var s = new StringBuilder($"{e.Op} {e.Agent ?? "-"}");
        if (e.Key is not null) s.Append(' ').Append(e.Key);
        s.Append(' ').Append(e.Outcome);
        if (e.Reason is { } reason) s.Append(' ').Append(reason);
        if (e.Expected is { } expected) s.Append(" exp=").Append(expected);
        if (e.Known is { } known) s.Append(" known=").Append(known);
        if (e.View is { } view) s.Append(" view=").Append(view);
        if (e.Version is { } version) s.Append(" v=").Append(version);
        if (e.CallerVersion is { } caller) s.Append(" caller=").Append(caller);
        if (e.ContentIncluded is { } included) s.Append(" content=").Append(included);
        if (e.Found is { } found) s.Append(" found=").Append(found);
        if (e.Issuer is { } issuer) s.Append(" from=").Append(issuer);
        if (e.Signals is { } signals) s.Append(" signals=[").Append(string.Join(",", signals.Select(x => $"{x.Recipient}@{x.Version}"))).Append(']');
        return s.ToString();
    }

    [Fact]
    public async Task A_scripted_multi_agent_run_records_every_operation_hit_refusal_and_signal()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(T0);
        await using var client = CoherenceClient.CreateInMemory(timeProvider: time);
        var handle = client.RecordTo(dir.Path);
        var planner = client.Agent("planner");
        var coder = client.Agent("coder");
        var plan = client.Key("plan.md");

        await planner.WriteCasAsync(plan, "v1", 0);
        await coder.ReadAsync(plan);
        await coder.ReadAsync(plan); // served from the cache
        var delivered = Delivered(coder);
        await planner.WriteCasAsync(plan, "v2", 1);
        await delivered;
        await Assert.ThrowsAsync<VersionConflictException>(async () => await coder.WriteCasAsync(plan, "stale", 1));
        await Assert.ThrowsAsync<StaleViewException>(async () => await coder.WriteAsync(plan, "under the grant"));
        await coder.ReacquireAsync(plan);
        delivered = Delivered(planner);
        await coder.WriteAsync(plan, "v3");
        await delivered;
        await planner.DisposeAsync();
        await handle.DisposeAsync();

        var files = Directory.GetFiles(dir.Path);
        var file = await RecordingReader.ReadFileAsync(Assert.Single(files));
        Assert.Equal(1, file.Header.Part);
        Assert.Equal("InMemoryDirectoryStore", file.Header.Store);
        Assert.Equal("Enforce", file.Header.Mode);
        Assert.False(file.Header.IncludeContent);
        Assert.StartsWith($"recording-{file.Header.Process}-0001", Path.GetFileName(files[0]), StringComparison.Ordinal);
        Assert.Equal(
            [
                "Register planner Ok",
                "CommitCas planner default:plan.md Ok exp=0 v=1",
                "Register coder Ok",
                "Read coder default:plan.md Ok v=1 content=True",
                "CacheHit coder default:plan.md Ok view=1 v=1",
                "CommitCas planner default:plan.md Ok exp=1 view=1 v=2 signals=[coder@2]",
                "SignalDelivered coder default:plan.md Ok v=2 from=planner",
                "CommitCas coder default:plan.md Refused VersionConflict exp=1 view=1 v=2 caller=1",
                "Acquire coder default:plan.md Refused StaleView view=1 v=2 caller=1",
                "Read coder default:plan.md Ok known=1 v=2 content=True",
                "Acquire coder default:plan.md Ok view=2 v=2",
                "Commit coder default:plan.md Ok view=2 v=3 signals=[planner@3]",
                "SignalDelivered planner default:plan.md Ok v=3 from=coder",
                "Release coder default:plan.md Ok view=3 found=True",
                "Forget planner Ok found=True",
            ],
            file.Entries.Select(Describe));
        Assert.Equal(Enumerable.Range(1, file.Entries.Count).Select(i => (long)i), file.Entries.Select(e => e.Seq));
        Assert.All(file.Entries, e => Assert.Equal((T0, T0), (e.Started, e.Completed)));
        Assert.All(file.Entries.Where(e => e.Op is RecordingOperation.CommitCas or RecordingOperation.Commit or RecordingOperation.Acquire or RecordingOperation.Release), e => Assert.NotNull(e.OperationId));
        var first = file.Entries[1];
        Assert.Equal((ContentPayload.HashHex("v1"u8), 2L), (first.Hash, first.Size));
        Assert.True(first.Tokens > 0);
        Assert.Null(first.Content);
        Assert.Equal(ContentPayload.HashHex("v1"u8), file.Entries[4].Hash); // the hit names what it served
    }

    [Fact]
    public async Task A_lost_reply_is_recorded_as_two_attempts_with_one_operation_id()
    {
        using var dir = new TempDirectory();
        var store = new FaultyDirectoryStore(new InMemoryDirectoryStore());
        await using var client = new CoherenceClient(store, new InMemoryEventBus());
        await using (client.RecordTo(dir.Path))
        {
            var planner = client.Agent("planner");
            await planner.WriteCasAsync(client.Key("plan.md"), "v1", 0);
            store.NextWrite = FaultyDirectoryStore.Fault.LoseReply;
            await planner.WriteCasAsync(client.Key("plan.md"), "v2", 1);
        }

        var entries = (await RecordingReader.ReadMergedAsync([dir.Path])).Where(e => e.Op == RecordingOperation.CommitCas).ToList();
        Assert.Equal(3, entries.Count);
        var (lost, retry) = (entries[1], entries[2]);
        Assert.Equal(RecordingOutcome.Unknown, lost.Outcome);
        Assert.Contains("OutcomeUnknownException", lost.Error, StringComparison.Ordinal);
        Assert.Equal((RecordingOutcome.Ok, 2L), (retry.Outcome, retry.Version));
        Assert.Equal(lost.OperationId, retry.OperationId);
        Assert.NotEqual(entries[0].OperationId, lost.OperationId);
    }

    [Fact]
    public async Task A_store_that_is_down_is_recorded_as_unavailable_attempts()
    {
        using var dir = new TempDirectory();
        var store = new FaultyDirectoryStore(new InMemoryDirectoryStore());
        await using var client = new CoherenceClient(store, new InMemoryEventBus(), new CoherenceOptions { StoreRetry = { MaxAttempts = 2, BaseDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero } });
        await using (client.RecordTo(dir.Path))
        {
            var planner = client.Agent("planner");
            await planner.WriteCasAsync(client.Key("plan.md"), "v1", 0);
            store.Then(FaultyDirectoryStore.Fault.Unavailable, FaultyDirectoryStore.Fault.Unavailable);
            await Assert.ThrowsAsync<StoreUnavailableException>(async () => await planner.WriteCasAsync(client.Key("plan.md"), "v2", 1));
        }

        var failed = (await RecordingReader.ReadMergedAsync([dir.Path])).Where(e => e.Op == RecordingOperation.CommitCas).Skip(1).ToList();
        Assert.Equal(2, failed.Count);
        Assert.All(failed, e => Assert.Equal(RecordingOutcome.Unavailable, e.Outcome));
        Assert.Single(failed.Select(e => e.OperationId).Distinct());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Content_is_recorded_only_when_asked_for(bool includeContent)
    {
        using var dir = new TempDirectory();
        await using var client = CoherenceClient.CreateInMemory();
        await using (client.RecordTo(dir.Path, includeContent))
        {
            var planner = client.Agent("planner");
            var coder = client.Agent("coder");
            await planner.WriteCasAsync(client.Key("plan.md"), "secret plan", 0);
            await coder.ReadAsync(client.Key("plan.md"));
            await coder.ReadAsync(client.Key("plan.md"));
            await planner.PublishAsync([new PublishItem(client.Key("a.md"), "batch secret", 0)]);
        }

        var file = await RecordingReader.ReadFileAsync(Directory.GetFiles(dir.Path).Single());
        Assert.Equal(includeContent, file.Header.IncludeContent);
        var text = await File.ReadAllTextAsync(file.Path);
        var contents = file.Entries.Where(e => e.Op is RecordingOperation.CommitCas or RecordingOperation.Read or RecordingOperation.CacheHit).Select(e => e.Content).ToList();
        Assert.Equal(3, contents.Count);
        var batch = Assert.Single(file.Entries, e => e.Op == RecordingOperation.CommitAll);
        var member = Assert.Single(batch.Members!);
        Assert.Equal(ContentPayload.HashHex("batch secret"u8), member.Hash);
        if (includeContent)
        {
            Assert.All(contents, c => Assert.Equal("secret plan", Encoding.UTF8.GetString(Convert.FromBase64String(c!))));
            Assert.Equal("batch secret", Encoding.UTF8.GetString(Convert.FromBase64String(member.Content!)));
        }
        else
        {
            Assert.All(contents, Assert.Null);
            Assert.Null(member.Content);
            Assert.DoesNotContain(Convert.ToBase64String("secret plan"u8), text, StringComparison.Ordinal);
            Assert.DoesNotContain("\"content\"", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Files_are_created_readable_and_writable_by_the_owner_only()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // Unix file modes
        }

        using var dir = new TempDirectory();
        await using var client = CoherenceClient.CreateInMemory();
        await using (client.RecordTo(dir.Path))
        {
            await client.Agent("planner").WriteCasAsync(client.Key("plan.md"), "v1", 0);
        }

        var file = Directory.GetFiles(dir.Path).Single();
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
    }

    [Fact]
    public async Task A_full_file_rotates_to_a_next_part_with_its_own_header_and_seq_continues()
    {
        using var dir = new TempDirectory();
        await using var client = CoherenceClient.CreateInMemory();
        await using (client.RecordTo(new RecordingOptions { Path = dir.Path, MaxFileBytes = 2_000 }))
        {
            var planner = client.Agent("planner");
            for (var i = 0; i < 40; i++)
            {
                await planner.WriteCasAsync(client.Key("plan.md"), $"v{i + 1}", i);
            }
        }

        var files = RecordingReader.Expand([dir.Path]);
        Assert.True(files.Count >= 3, $"{files.Count} files");
        var read = new List<RecordingFile>();
        foreach (var path in files)
        {
            read.Add(await RecordingReader.ReadFileAsync(path));
            Assert.True(new FileInfo(path).Length <= 2_000, $"{path} is {new FileInfo(path).Length} bytes");
        }

        Assert.Equal(Enumerable.Range(1, files.Count), read.Select(f => f.Header.Part));
        Assert.Single(read.Select(f => f.Header.Process).Distinct());
        Assert.All(read.Select((f, i) => (f, i)), x => Assert.EndsWith($"-{x.i + 1:D4}.jsonl", x.f.Path, StringComparison.Ordinal));
        var seqs = read.SelectMany(f => f.Entries).Select(e => e.Seq).ToList();
        Assert.Equal(Enumerable.Range(1, 41).Select(i => (long)i), seqs); // a registration and 40 writes
    }

    [Fact]
    public async Task Many_concurrent_agents_give_whole_lines_with_unique_contiguous_seq()
    {
        const int Agents = 16, Ops = 200;
        using var dir = new TempDirectory();
        await using var client = CoherenceClient.CreateInMemory(new CoherenceOptions { Update = { MaxRetries = 10_000, BaseDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero } });
        await using (client.RecordTo(dir.Path))
        {
            await Task.WhenAll(Enumerable.Range(0, Agents).Select(a => Task.Run(async () =>
            {
                var agent = client.Agent($"agent-{a}");
                for (var i = 0; i < Ops; i++)
                {
                    // Half the work on one shared artifact (contention, refusals, signals), half on the agent's own.
                    var key = client.Key(i % 2 == 0 ? "shared.md" : $"own-{a}.md");
                    await agent.UpdateAsync(key, current => (current?.Text ?? string.Empty).Length > 64 ? "x" : current?.Text + "x");
                    await agent.ReadAsync(key);
                }
            })));
        }

        var file = await RecordingReader.ReadFileAsync(Directory.GetFiles(dir.Path).Single());
        var text = await File.ReadAllTextAsync(file.Path);
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(1, file.Entries.Count).Select(i => (long)i), file.Entries.Select(e => e.Seq));
        var landed = file.Entries.Count(e => e.Op == RecordingOperation.CommitCas && e.Outcome == RecordingOutcome.Ok);
        Assert.Equal(Agents * Ops, landed);
        Assert.Equal(Agents, file.Entries.Count(e => e.Op == RecordingOperation.Register));
    }

    [Fact]
    public async Task An_unwritable_path_fails_RecordTo_with_a_typed_error_naming_the_path()
    {
        using var dir = new TempDirectory();
        var blocker = dir.File("a-file");
        await File.WriteAllTextAsync(blocker, "not a directory");
        await using var client = CoherenceClient.CreateInMemory();

        var error = Assert.Throws<RecordingUnavailableException>(() => client.RecordTo(blocker));
        Assert.Equal((nameof(CoherenceClient.RecordTo), blocker), (error.Setting, error.Path));
        Assert.Contains(blocker, error.Message, StringComparison.Ordinal);
        await client.Agent("planner").WriteCasAsync(client.Key("plan.md"), "v1", 0); // the client works on without a recording
    }

    [Fact]
    public async Task Stopping_a_recording_stops_the_lines_and_a_second_one_gets_its_own_files()
    {
        using var dir = new TempDirectory();
        await using var client = CoherenceClient.CreateInMemory();
        var planner = client.Agent("planner");
        var first = client.RecordTo(dir.Path);
        await planner.WriteCasAsync(client.Key("plan.md"), "v1", 0);
        await using (client.RecordTo(dir.Path))
        {
            await first.DisposeAsync();
            await planner.WriteCasAsync(client.Key("plan.md"), "v2", 1);
        }

        await planner.WriteCasAsync(client.Key("plan.md"), "v3", 2);
        var files = new List<RecordingFile>();
        foreach (var path in RecordingReader.Expand([dir.Path]))
        {
            files.Add(await RecordingReader.ReadFileAsync(path));
        }

        Assert.Equal(2, files.Select(f => f.Header.Process).Distinct().Count());
        var versions = files.Select(f => string.Join(",", f.Entries.Where(e => e.Op == RecordingOperation.CommitCas).Select(e => e.Version))).Order().ToList();
        Assert.Equal(["1", "2"], versions);
    }

    private static Task Delivered(CoherentAgent agent)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        agent.SignalReceived += (_, _) => done.TrySetResult();
        return done.Task;
    }
}

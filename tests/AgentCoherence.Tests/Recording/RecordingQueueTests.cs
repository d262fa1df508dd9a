using System.Diagnostics.Metrics;
using AgentCoherence.Internal;
using AgentCoherence.Recording;
using AgentCoherence.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using static AgentCoherence.Testing.RecordingScript;

namespace AgentCoherence.Tests.Recording;

/// <summary>The recorder's bounded queue: MaxQueuedLines, WhenFull = Drop (gap lines, metric, one warning) or Wait.</summary>
public sealed class RecordingQueueTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Drop_drops_and_counts_what_does_not_fit_and_writes_one_gap_line_before_the_next_line()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(T0);
        var capture = new CapturingLoggerProvider();
        using var logging = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(capture));
        await using var client = CoherenceClient.CreateInMemory(timeProvider: time, loggerFactory: logging);
        var dropped = new List<long>();
        using var listener = ListenDropped(client.Diagnostics, dropped);
        var handle = client.RecordTo(new RecordingOptions { Path = dir.Path, MaxQueuedLines = 3 });
        var recorder = Assert.Single(client.Recorders!);
        var disk = new TaskCompletionSource();
        recorder.HoldWriter = disk.Task;
        var planner = client.Agent("planner");
        var plan = client.Key("plan.md");

        // Register + 5 commits = 6 lines while the writer is held: 3 fit, the commits of v3, v4 and v5 are dropped.
        for (var v = 1; v <= 5; v++)
        {
            time.Advance(TimeSpan.FromMilliseconds(10)); // well inside the heartbeat interval: no heartbeat line
            await planner.WriteCasAsync(plan, $"v{v}", v - 1);
        }

        disk.SetResult();
        await DrainedAsync(recorder);
        time.Advance(TimeSpan.FromMilliseconds(10));
        await planner.WriteCasAsync(plan, "v6", 5);
        await handle.DisposeAsync();

        var file = await RecordingReader.ReadFileAsync(Assert.Single(Directory.GetFiles(dir.Path)));
        Assert.Equal(
            ["Register", "CommitCas v=1", "CommitCas v=2", "Gap dropped=3", "CommitCas v=6"],
            file.Entries.Select(e => $"{e.Op}{(e.Version is { } v ? $" v={v}" : "")}{(e.Dropped is { } d ? $" dropped={d}" : "")}"));
        Assert.Equal([1L, 2, 3, 4, 5], file.Entries.Select(e => e.Seq));
        var gap = file.Entries[3];
        Assert.Equal((T0.AddMilliseconds(30), T0.AddMilliseconds(50)), (gap.Started, gap.Completed));
        Assert.Equal(3, dropped.Sum());
        var warning = Assert.Single(capture.Entries, e => e.EventId.Id == 5002);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains(dir.Path, warning.Message, StringComparison.Ordinal);
        Assert.Contains("3 lines", warning.Message, StringComparison.Ordinal);
        Assert.Contains("AgentCoherence:Recording:MaxQueuedLines", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Drop_with_lines_still_dropped_when_the_recording_stops_ends_the_file_with_the_gap()
    {
        using var dir = new TempDirectory();
        await using var client = CoherenceClient.CreateInMemory();
        var handle = client.RecordTo(new RecordingOptions { Path = dir.Path, MaxQueuedLines = 1 });
        var recorder = Assert.Single(client.Recorders!);
        var disk = new TaskCompletionSource();
        recorder.HoldWriter = disk.Task;
        await client.Agent("planner").WriteCasAsync(client.Key("plan.md"), "v1", 0);

        disk.SetResult();
        await handle.DisposeAsync();

        var file = await RecordingReader.ReadFileAsync(Assert.Single(Directory.GetFiles(dir.Path)));
        Assert.Equal([RecordingOperation.Register, RecordingOperation.Gap], file.Entries.Select(e => e.Op));
        Assert.Equal(1, file.Entries[1].Dropped);
    }

    [Fact]
    public async Task Wait_loses_nothing_and_a_waiting_agent_honours_its_cancellation_before_touching_the_store()
    {
        using var dir = new TempDirectory();
        await using var client = CoherenceClient.CreateInMemory();
        var dropped = new List<long>();
        using var listener = ListenDropped(client.Diagnostics, dropped);
        var handle = client.RecordTo(new RecordingOptions { Path = dir.Path, MaxQueuedLines = 2, WhenFull = RecordingOverflow.Wait });
        var recorder = Assert.Single(client.Recorders!);
        var disk = new TaskCompletionSource();
        recorder.HoldWriter = disk.Task;
        var planner = client.Agent("planner");
        var plan = client.Key("plan.md");
        await planner.WriteCasAsync(plan, "v1", 0); // Register + CommitCas: the queue is full

        using var cancel = new CancellationTokenSource();
        var cancelled = planner.WriteCasAsync(plan, "never", 1, cancel.Token).AsTask();
        Assert.True(recorder.Full);
        Assert.False(cancelled.IsCompleted);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.Equal(1, (await client.Store.InspectAsync(plan))!.Version);

        var waiting = planner.WriteCasAsync(plan, "v2", 1).AsTask();
        var reading = planner.ReadAsync(plan).AsTask(); // a cache hit waits too
        Assert.False(waiting.IsCompleted);
        Assert.False(reading.IsCompleted);
        disk.SetResult();
        Assert.Equal(2, (await waiting).Version);
        await reading;
        await handle.DisposeAsync();

        var file = await RecordingReader.ReadFileAsync(Assert.Single(Directory.GetFiles(dir.Path)));
        Assert.DoesNotContain(file.Entries, e => e.Op == RecordingOperation.Gap);
        Assert.Equal(
            [RecordingOperation.Register, RecordingOperation.CacheHit, RecordingOperation.CommitCas, RecordingOperation.CommitCas],
            file.Entries.Select(e => e.Op).Order());
        Assert.Equal([1L, 2, 3, 4], file.Entries.Select(e => e.Seq));
        Assert.Empty(dropped);
        Assert.True(RecordingReplay.Check(file.Entries).Clean);
    }

    [Fact]
    public async Task A_MaxQueuedLines_that_is_not_positive_is_refused_naming_the_key()
    {
        var services = new ServiceCollection();
        services.AddAgentCoherence(ConfiguredServices.Configuration(("AgentCoherence:Recording:MaxQueuedLines", "0")).GetSection("AgentCoherence"));
        using var provider = services.BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<CoherenceOptions>>().Value);
        Assert.Contains("AgentCoherence:Recording:MaxQueuedLines must be positive (got 0)", error.Message, StringComparison.Ordinal);

        using var dir = new TempDirectory();
        await using var client = CoherenceClient.CreateInMemory();
        var direct = Assert.Throws<CoherenceArgumentException>(() => client.RecordTo(new RecordingOptions { Path = dir.Path, MaxQueuedLines = -1 }));
        Assert.Contains("AgentCoherence:Recording:MaxQueuedLines", direct.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MaxQueuedLines_and_WhenFull_bind_from_configuration_with_their_defaults()
    {
        Assert.Equal((100_000, RecordingOverflow.Drop), (new RecordingOptions().MaxQueuedLines, new RecordingOptions().WhenFull));
        var services = new ServiceCollection();
        services.AddAgentCoherence(ConfiguredServices.Configuration(
            ("AgentCoherence:Recording:MaxQueuedLines", "50"), ("AgentCoherence:Recording:WhenFull", "Wait")).GetSection("AgentCoherence"));
        using var provider = services.BuildServiceProvider();
        var recording = provider.GetRequiredService<IOptions<CoherenceOptions>>().Value.Recording;
        Assert.Equal((50, RecordingOverflow.Wait), (recording.MaxQueuedLines, recording.WhenFull));
    }

    [Fact]
    public void Replay_checks_up_to_the_first_gap_and_names_it()
    {
        var s = new RecordingScript();
        s.Register("a");
        s.Add(Cas("a", "doc", 0, 1));
        s.Add(Cas("a", "doc", 1, 2));
        s.Add(new RecordingEntry { Op = RecordingOperation.Gap, Dropped = 2 }); // entry 3, line 5: v3 and v4 were dropped
        s.Add(Cas("a", "doc", 4, 5)); // would diverge if replay went on: the state it can see is at v2
        s.Add(new RecordingEntry { Op = RecordingOperation.Gap, Dropped = 7 });

        var report = RecordingReplay.Check(s.Read("rec.jsonl"));

        Assert.True(report.Clean);
        Assert.False(report.Complete);
        Assert.Equal("rec.jsonl:5", report.FirstGap!.Source);
        Assert.Equal(2, report.FirstGap.Dropped);
        Assert.Equal((2, 9L, 3, 6), (report.Gaps, report.DroppedLines, report.Unchecked, report.Entries));
        Assert.Equal(3, report.StoreOperations);
    }

    [Fact]
    public void Replay_still_reports_a_divergence_before_the_gap()
    {
        var s = new RecordingScript();
        s.Register("a");
        s.Add(Cas("a", "doc", 0, 1));
        s.Add(Cas("a", "doc", 0, 2)); // a stale apply: expected 0 while v1 was current
        s.Add(new RecordingEntry { Op = RecordingOperation.Gap, Dropped = 1 });

        var report = RecordingReplay.Check(s.Read());

        Assert.False(report.Clean);
        Assert.False(report.Complete);
    }

    private static async Task DrainedAsync(Recorder recorder)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (recorder.Queued > 0)
        {
            await Task.Delay(1, timeout.Token);
        }
    }

    private static MeterListener ListenDropped(CoherenceDiagnostics diagnostics, List<long> dropped)
    {
        var meter = (Meter)typeof(CoherenceDiagnostics).GetField("_meter", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(diagnostics)!;
        var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == meter && instrument.Name == "coherence.recording.dropped")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) =>
        {
            lock (dropped)
            {
                dropped.Add(value);
            }
        });
        listener.Start();
        return listener;
    }
}

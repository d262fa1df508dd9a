using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using AgentCoherence.Protocol;

namespace AgentCoherence.Testing;

/// <summary>
/// Observe mode through the public API (issue 14): every write the store refuses for coordination is applied anyway
/// and reported (the <see cref="CoherenceClient.WouldBeRefused"/> event, a Warning log with event id 1016, the metric
/// <c>coherence.observe.would_be_refused</c>) with the right reason; the same scenario in enforce mode is refused,
/// so each test would fail without the mode. Each store's test project inherits this class.
/// </summary>
public abstract class ObserveModeClientTests : FaultyStoreTestBase
{
    private static AgentOptions Quiet => new() { SendHeartbeats = false };

    /// <summary>One run of a scenario in a mode: what the writer got, what was reported and what the store holds.</summary>
    private sealed record Outcome(Exception? Error, List<WouldBeRefusal> Reported, DirectoryRecord Record, Dictionary<string, long> Metrics, List<CapturingLoggerProvider.Entry> Warnings);

    /// <summary>
    /// Runs <paramref name="scenario"/> (peer and writer, on a fresh key) with the writer's client in
    /// <paramref name="mode"/>; the peer's client enforces. The scenario's last step is the writer's write.
    /// </summary>
    private async Task<Outcome> Run(CoherenceMode mode, Func<CoherenceClient, CoherentAgent, CoherentAgent, ArtifactKey, Task> scenario, bool peerSignalsReachWriter = true)
    {
        var bus = new InMemoryEventBus();
        using var capture = new CapturingLoggerProvider();
        using var logging = new CaptureFactory(capture);
        using var diagnostics = new CoherenceDiagnostics();
        var metrics = new Dictionary<string, long>();
        using var listener = Listen(diagnostics, metrics);
        var options = NoDelays();
        options.Mode = mode;
        await using var writerClient = new CoherenceClient(Faults, bus, options, Time, logging, diagnostics: diagnostics);
        await using var peerClient = new CoherenceClient(Faults, peerSignalsReachWriter ? bus : new InMemoryEventBus(), NoDelays(), Time);
        var reported = new List<WouldBeRefusal>();
        writerClient.WouldBeRefused += (_, r) => reported.Add(r);
        await using var peer = peerClient.Agent("peer", Quiet);
        await using var writer = writerClient.Agent("writer", Quiet);
        var key = writerClient.Key($"plans/{Guid.NewGuid():N}.md");
        Exception? error = null;
        try
        {
            await scenario(writerClient, writer, peer, key);
        }
        catch (CoherenceException ex)
        {
            error = ex;
        }

        var record = (await Inner.InspectAsync(key))!;
        var warnings = capture.Entries.Where(e => e.Level == LogLevel.Warning && e.EventId.Id == 1016).ToList();
        return new Outcome(error, reported, record, metrics, warnings);
    }

    private static CoherenceOptions NoDelays() => new()
    {
        CrashRecovery = { Enabled = false },
        Update = { BaseDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero },
        StoreRetry = { BaseDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero },
    };

    private static MeterListener Listen(CoherenceDiagnostics diagnostics, Dictionary<string, long> counts)
    {
        var meter = diagnostics.WouldBeRefused.Meter;
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter == meter)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var name = instrument.Name;
            foreach (var tag in tags)
            {
                name += $"[{tag.Key}={tag.Value}]";
            }

            lock (counts)
            {
                counts[name] = counts.GetValueOrDefault(name) + value;
            }
        });
        listener.Start();
        return listener;
    }

    /// <summary>Enforce refuses with <typeparamref name="TRefused"/> and leaves the peer's version; observe lands the writer's content and reports the reason once.</summary>
    private async Task AssertObserved<TRefused>(RefusalReason reason, string operation, string content, Func<CoherenceClient, CoherentAgent, CoherentAgent, ArtifactKey, Task> scenario)
        where TRefused : CoherenceException
    {
        var enforced = await Run(CoherenceMode.Enforce, scenario);
        Assert.IsType<TRefused>(enforced.Error);
        Assert.Empty(enforced.Reported);
        Assert.Empty(enforced.Warnings);
        Assert.NotEqual(ContentPayload.HashHex(System.Text.Encoding.UTF8.GetBytes(content)), enforced.Record.ContentHash);

        var observed = await Run(CoherenceMode.Observe, scenario);
        Assert.Null(observed.Error);
        Assert.Equal(ContentPayload.HashHex(System.Text.Encoding.UTF8.GetBytes(content)), observed.Record.ContentHash);
        Assert.Equal(new AgentId("writer"), observed.Record.LastWriter);
        Assert.Null(InvariantChecker.CheckRecord(observed.Record));
        var report = Assert.Single(observed.Reported);
        Assert.Equal(reason, report.Refusal.Reason);
        Assert.Equal(operation, report.Operation);
        Assert.Equal(new AgentId("writer"), report.Agent);
        Assert.Equal(report.Key, report.Refusal.Key);
        Assert.Equal(Time.GetUtcNow(), report.At);
        Assert.Equal(1, observed.Metrics[$"coherence.observe.would_be_refused[reason={reason.ToSnakeCase()}][operation={operation}]"]);
        var warning = Assert.Single(observed.Warnings);
        Assert.Contains("writer", warning.Message, StringComparison.Ordinal);
        Assert.Contains(report.Key.ToString(), warning.Message, StringComparison.Ordinal);
        Assert.Contains(reason.ToString(), warning.Message, StringComparison.Ordinal);
        Assert.Contains(operation, warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public Task A_cas_write_from_an_old_version_is_a_version_conflict_applied_anyway() =>
        AssertObserved<VersionConflictException>(RefusalReason.VersionConflict, "CommitCas", "from v1", async (_, writer, peer, key) =>
        {
            await peer.WriteCasAsync(key, "v1", 0);
            var seen = await writer.ReadAsync(key);
            await peer.WriteCasAsync(key, "v2", 1);
            await writer.WriteCasAsync(key, "from v1", seen.Version);
        });

    [Fact]
    public Task A_write_from_a_stale_view_is_a_stale_view_applied_anyway() =>
        AssertObserved<StaleViewException>(RefusalReason.StaleView, "Acquire", "stale edit", async (_, writer, peer, key) =>
        {
            await peer.WriteAsync(key, "v1");
            await writer.ReadAsync(key);
            await peer.WriteAsync(key, "v2");
            await writer.WriteAsync(key, "stale edit");
        });

    [Fact]
    public Task A_write_while_a_peer_holds_the_grant_is_held_by_other_applied_anyway() =>
        AssertObserved<HeldByOtherException>(RefusalReason.HeldByOther, "CommitCas", "blind", async (_, writer, peer, key) =>
        {
            await peer.WriteCasAsync(key, "v1", 0);
            await writer.ReadAsync(key);
            await peer.ReadAsync(key);
            var held = await peer.AcquireAsync(key);
            Assert.True(held.IsHeld);
            await writer.WriteCasAsync(key, "blind", 1);
        });

    [Fact]
    public Task A_reclaimed_zombie_write_is_a_stale_epoch_applied_anyway() =>
        AssertObserved<StaleEpochException>(RefusalReason.StaleEpoch, "Commit", "zombie work", async (writerClient, writer, _, key) =>
        {
            await writer.WriteCasAsync(key, "v1", 0);
            var grant = await writer.AcquireAsync(key);
            Time.Advance(TimeSpan.FromMinutes(3));
            Assert.Single((await writerClient.SweepAsync()).Reclaimed);
            await grant.CommitAsync("zombie work");
        });

    [Fact]
    public Task A_commit_under_a_grant_a_peer_took_away_is_not_owner_applied_anyway() =>
        AssertObserved<NotOwnerException>(RefusalReason.NotOwner, "Commit", "mine", async (_, writer, peer, key) =>
        {
            await writer.WriteCasAsync(key, "v1", 0);
            var grant = await writer.AcquireAsync(key);

            // An uncoordinated write (as an observing peer makes) takes the grant away without a reclaim.
            var outsider = new AgentId("outsider");
            await Faults.RegisterAgentAsync(outsider);
            (await Faults.OverrideAsync(outsider, key, StoreTestExtensions.Text("outside"))).Ok();
            await grant.CommitAsync("mine");
        });

    [Fact]
    public async Task Update_writes_what_it_computed_from_its_stale_view_instead_of_retrying()
    {
        foreach (var mode in new[] { CoherenceMode.Enforce, CoherenceMode.Observe })
        {
            var calls = 0;
            var outcome = await Run(
                mode,
                async (_, writer, peer, key) =>
                {
                    await peer.WriteCasAsync(key, "v1", 0);
                    await writer.ReadAsync(key);

                    // The peer's signal never reaches the writer: its cached copy stays at v1.
                    await peer.WriteCasAsync(key, "v2", 1);
                    await writer.UpdateAsync(key, current =>
                    {
                        calls++;
                        return $"derived from {current?.Text}";
                    });
                },
                peerSignalsReachWriter: false);

            Assert.Null(outcome.Error);
            if (mode == CoherenceMode.Enforce)
            {
                // Refused once, re-read v2, derived again.
                Assert.Equal(2, calls);
                Assert.Equal(ContentPayload.HashHex("derived from v2"u8), outcome.Record.ContentHash);
                Assert.Empty(outcome.Reported);
            }
            else
            {
                Assert.Equal(1, calls);
                Assert.Equal(ContentPayload.HashHex("derived from v1"u8), outcome.Record.ContentHash);
                Assert.Equal(RefusalReason.VersionConflict, Assert.Single(outcome.Reported).Refusal.Reason);
            }
        }
    }

    [Fact]
    public async Task A_publish_refused_for_a_member_applies_every_member_and_reports_the_refused_one()
    {
        var observed = await Run(CoherenceMode.Observe, async (client, writer, peer, key) =>
        {
            var other = client.Key(key.Name + ".notes");
            await peer.WriteCasAsync(key, "v1", 0);
            await peer.WriteCasAsync(key, "v2", 1);
            await writer.PublishAsync([new PublishItem(key, "a", 1), new PublishItem(other, "b", 0)]);
            Assert.Equal("b", (await writer.ReadAsync(other)).Text);
        });

        Assert.Null(observed.Error);
        Assert.Equal(ContentPayload.HashHex("a"u8), observed.Record.ContentHash);
        var report = Assert.Single(observed.Reported);
        Assert.Equal(RefusalReason.VersionConflict, report.Refusal.Reason);
        Assert.Equal("CommitAll", report.Operation);
    }

    [Fact]
    public async Task Refusals_that_are_not_coordination_behave_as_in_enforce_mode()
    {
        var observed = await Run(CoherenceMode.Observe, async (_, writer, _, key) =>
        {
            await Assert.ThrowsAsync<ArtifactNotFoundException>(() => writer.ReadAsync(key).AsTask());
            await Assert.ThrowsAsync<ExpectedVersionAheadException>(() => writer.WriteCasAsync(key, "x", 5).AsTask());
            await writer.WriteCasAsync(key, "v1", 0);
            await writer.DeleteAsync(key, 1);
            await Assert.ThrowsAsync<ArtifactNotFoundException>(() => writer.DeleteAsync(key, 2).AsTask());
        });

        Assert.Null(observed.Error);
        Assert.Empty(observed.Reported);
        Assert.Equal(2, observed.Record.Version);
    }

    [Fact]
    public async Task Peers_are_signalled_by_an_applied_would_be_refusal()
    {
        var signals = new List<InvalidationSignal>();
        var observed = await Run(CoherenceMode.Observe, async (_, writer, peer, key) =>
        {
            peer.SignalReceived += (_, s) => signals.Add(s);
            await peer.WriteCasAsync(key, "v1", 0);
            await writer.ReadAsync(key);
            await peer.WriteCasAsync(key, "v2", 1);
            await writer.WriteCasAsync(key, "from v1", 1);
        });

        Assert.Equal(3, observed.Record.Version);
        var signal = Assert.Single(signals, s => s.NewVersion == 3);
        Assert.Equal(new AgentId("writer"), signal.Issuer);
    }

    [Fact]
    public async Task A_lost_reply_on_the_applied_write_resolves_exactly_once_and_publishes_its_signals()
    {
        var signals = new List<InvalidationSignal>();
        var observed = await Run(CoherenceMode.Observe, async (_, writer, peer, key) =>
        {
            peer.SignalReceived += (_, s) => signals.Add(s);
            await peer.WriteCasAsync(key, "v1", 0);
            await writer.ReadAsync(key);
            await peer.WriteCasAsync(key, "v2", 1);
            Faults.FaultOnly = "Override";
            Faults.NextWrite = FaultyDirectoryStore.Fault.LoseReply;
            var view = await writer.WriteCasAsync(key, "from v1", 1);
            Assert.Equal(3, view.Version);
        });

        Assert.Null(observed.Error);
        Assert.Equal(3, observed.Record.Version);
        Assert.Equal(2, Faults.Applied.Count(a => a.Operation == "Override"));
        var ids = Faults.Applied.Where(a => a.Operation == "Override").Select(a => a.Id).Distinct();
        Assert.Single(ids);
        Assert.Single(signals, s => s.NewVersion == 3);
        Assert.Single(observed.Reported);
    }

    [Fact]
    public async Task An_override_whose_outcome_stays_unknown_is_resolved_once_by_ResolveAsync()
    {
        OutcomeUnknownException? unknown = null;
        var observed = await Run(CoherenceMode.Observe, async (_, writer, peer, key) =>
        {
            await peer.WriteCasAsync(key, "v1", 0);
            await writer.ReadAsync(key);
            await peer.WriteCasAsync(key, "v2", 1);
            Faults.FaultOnly = "Override";
            Faults.Then(FaultyDirectoryStore.Fault.LoseReply, FaultyDirectoryStore.Fault.LoseRequest, FaultyDirectoryStore.Fault.LoseRequest, FaultyDirectoryStore.Fault.LoseRequest, FaultyDirectoryStore.Fault.LoseRequest);
            unknown = await Assert.ThrowsAsync<OutcomeUnknownException>(() => writer.WriteCasAsync(key, "from v1", 1).AsTask());
            Assert.True(await writer.ResolveAsync(unknown));
            Assert.True(await writer.ResolveAsync(unknown));
        });

        Assert.Null(observed.Error);
        Assert.Equal(3, observed.Record.Version);
        Assert.Equal("Override", unknown!.Operation);
    }

    private sealed class CaptureFactory(CapturingLoggerProvider provider) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => provider.CreateLogger(categoryName);

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }
    }
}

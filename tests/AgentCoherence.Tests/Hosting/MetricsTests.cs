using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace AgentCoherence.Tests.Hosting;

public sealed class MetricsTests
{
    [Fact]
    public async Task Re_registrations_and_store_retries_are_counted()
    {
        var counts = new Dictionary<string, long>();
        using var diagnostics = new CoherenceDiagnostics();
        using var listener = Listen(diagnostics, counts);

        var store = new AgentCoherence.Testing.FaultyDirectoryStore(new InMemoryDirectoryStore());
        await using var coherence = new CoherenceClient(store, new InMemoryEventBus(), diagnostics: diagnostics);
        await using var a = coherence.Agent("a");
        await a.WriteCasAsync(coherence.Key("doc"), "v1", 0);
        await store.ForgetAsync(a.Id);
        store.NextWrite = AgentCoherence.Testing.FaultyDirectoryStore.Fault.LoseReply;
        await a.UpdateAsync("doc", c => (c?.Text ?? string.Empty) + "!");

        Assert.Equal(1, counts["coherence.agents.reregistered"]);
        Assert.Equal(1, counts["coherence.store.retries[operation=CommitCas]"]);
    }

    [Fact]
    public async Task Hits_misses_commits_signals_and_conflicts_by_reason_are_counted()
    {
        var counts = new Dictionary<string, long>();
        using var diagnostics = new CoherenceDiagnostics();
        using var listener = Listen(diagnostics, counts);

        await using var coherence = new CoherenceClient(new InMemoryDirectoryStore(), new InMemoryEventBus(), diagnostics: diagnostics);
        await using var a = coherence.Agent("a");
        await using var b = coherence.Agent("b");
        await a.WriteAsync("doc", "v1");
        await b.ReadAsync("doc");
        await b.ReadAsync("doc");
        await a.WriteAsync("doc", "v2");
        await Assert.ThrowsAsync<StaleViewException>(() => b.WriteAsync("doc", "stale").AsTask());

        Assert.Equal(2, counts["coherence.commits"]);
        Assert.Equal(1, counts["coherence.cache.hits"]);
        Assert.Equal(1, counts["coherence.cache.misses"]);
        Assert.Equal(1, counts["coherence.signals.sent"]);
        Assert.Equal(1, counts["coherence.signals.received"]);
        Assert.Equal(1, counts["coherence.conflicts[reason=stale_view]"]);
        Assert.True(counts["coherence.tokens.saved"] >= 0);
    }

    [Fact]
    public async Task Store_calls_are_traced_with_the_agent_and_key()
    {
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == CoherenceDiagnostics.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { lock (spans) { spans.Add(a); } },
        };
        ActivitySource.AddActivityListener(listener);
        await using var coherence = CoherenceClient.CreateInMemory();
        await using var a = coherence.Agent("tracer");
        await a.WriteAsync("doc", "v1");
        Activity[] mine;
        lock (spans)
        {
            mine = spans.Where(s => (string?)s.GetTagItem("coherence.agent") == "tracer").ToArray();
        }

        Assert.Contains(mine, s => s.OperationName == "coherence.acquire");
        Assert.Contains(mine, s => s.OperationName == "coherence.commit" && (string?)s.GetTagItem("coherence.key") == "doc");
    }

    // Sums every measurement of the diagnostics' meter by instrument name and tags ("name[tag=value]").
    private static MeterListener Listen(CoherenceDiagnostics diagnostics, Dictionary<string, long> counts)
    {
        var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == GetMeter(diagnostics))
            {
                l.EnableMeasurementEvents(instrument);
            }
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

    private static Meter GetMeter(CoherenceDiagnostics diagnostics) =>
        (Meter)typeof(CoherenceDiagnostics).GetField("_meter", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(diagnostics)!;
}

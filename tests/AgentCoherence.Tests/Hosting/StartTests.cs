using AgentCoherence.Signals;
using AgentCoherence.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AgentCoherence.Tests.Hosting;

/// <summary>
/// The client connects its store and bus once, at host start or before the first operation, bounded by
/// <see cref="CoherenceOptions.StartTimeout"/>; a failure is the library's own typed error.
/// </summary>
public sealed class StartTests
{
    /// <summary>Guards a wait that the start timeout must end first; never reached when the code works.</summary>
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(60);

    /// <summary>How long after the start timeout a step that ignores cancellation is abandoned.</summary>
    private static readonly TimeSpan StartTimeoutGrace = AgentCoherence.Internal.StartTimeout.Grace;

    [Fact]
    public async Task A_bus_that_never_connects_fails_start_when_the_start_timeout_runs_out()
    {
        var time = new FakeTimeProvider();
        await using var client = new CoherenceClient(new InMemoryDirectoryStore(), new SilentBus(), new CoherenceOptions { StartTimeout = TimeSpan.FromSeconds(5) }, time);

        var starting = client.StartAsync();
        time.Advance(TimeSpan.FromSeconds(5) + StartTimeoutGrace);

        var error = await Assert.ThrowsAsync<TransportUnavailableException>(() => starting.WaitAsync(Hang));
        Assert.Contains("AgentCoherence:StartTimeout", error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(SilentBus), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_host_the_first_operation_fails_within_the_start_timeout_when_the_bus_never_connects()
    {
        await using var client = new CoherenceClient(new InMemoryDirectoryStore(), new SilentBus(), new CoherenceOptions { StartTimeout = TimeSpan.FromMilliseconds(300) });
        await using var agent = client.Agent("planner");

        var error = await Assert.ThrowsAsync<TransportUnavailableException>(() => agent.WriteAsync("plan", "v1").AsTask().WaitAsync(Hang));

        Assert.Contains("AgentCoherence:StartTimeout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Host_start_fails_with_the_stores_own_error_when_the_store_cannot_connect()
    {
        var builder = Host.CreateApplicationBuilder();
        var refused = new StoreUnavailableException("Connect", null, "AgentCoherence:Redis:ConnectionString (10.0.0.9:6379): connection refused");
        builder.Services.AddAgentCoherence().UseStore(_ => new ConnectingStore(_ => throw refused));
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => host.StartAsync().WaitAsync(Hang));

        Assert.Same(refused, error);
    }

    [Fact]
    public async Task Host_start_fails_within_the_start_timeout_when_the_bus_never_connects()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddAgentCoherence(o => o.StartTimeout = TimeSpan.FromMilliseconds(300)).UseEventBus(_ => new SilentBus());
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<TransportUnavailableException>(() => host.StartAsync().WaitAsync(Hang));

        Assert.Contains("AgentCoherence:StartTimeout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_foreign_exception_from_a_store_connect_becomes_StoreUnavailableException_with_it_inside()
    {
        var cause = new IOException("disk gone");
        await using var client = new CoherenceClient(new ConnectingStore(_ => throw cause), new InMemoryEventBus());

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => client.StartAsync().WaitAsync(Hang));

        Assert.Same(cause, error.InnerException);
        Assert.Contains("disk gone", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_start_is_tried_again_by_the_next_call()
    {
        var attempts = 0;
        var store = new ConnectingStore(_ => ++attempts == 1 ? throw new StoreUnavailableException("Connect", null, "not yet") : ValueTask.CompletedTask);
        await using var client = new CoherenceClient(store, new InMemoryEventBus());
        await using var agent = client.Agent("planner");

        await Assert.ThrowsAsync<StoreUnavailableException>(() => agent.WriteAsync("plan", "v1").AsTask().WaitAsync(Hang));
        var view = await agent.WriteAsync("plan", "v1").AsTask().WaitAsync(Hang);

        Assert.Equal(1, view.Version);
        Assert.Equal(2, attempts);
    }

    [Fact]
    public async Task A_started_client_connects_nothing_again()
    {
        var attempts = 0;
        var store = new ConnectingStore(_ =>
        {
            attempts++;
            return ValueTask.CompletedTask;
        });
        await using var client = new CoherenceClient(store, new InMemoryEventBus());

        await client.StartAsync();
        await client.StartAsync();
        await using var agent = client.Agent("planner");
        await agent.WriteAsync("plan", "v1");

        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task A_successful_start_is_logged_at_information()
    {
        var capture = new CapturingLoggerProvider();
        using var logging = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(capture));
        await using var client = CoherenceClient.CreateInMemory(loggerFactory: logging);

        await client.StartAsync();

        var started = Assert.Single(capture.Entries, e => e.EventId.Id == 1014);
        Assert.Equal(LogLevel.Information, started.Level);
        Assert.Contains(nameof(InMemoryEventBus), started.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refusal_is_logged_at_debug_not_information()
    {
        var capture = new CapturingLoggerProvider();
        using var logging = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(capture));
        await using var client = CoherenceClient.CreateInMemory(loggerFactory: logging);
        await using var agent = client.Agent("planner");
        await agent.WriteAsync("plan", "v1");
        await agent.WriteAsync("plan", "v2");

        await Assert.ThrowsAsync<VersionConflictException>(() => agent.WriteCasAsync(client.Key("plan"), "v3", expectedVersion: 1).AsTask());

        var refused = Assert.Single(capture.Entries, e => e.EventId.Id == 1003);
        Assert.Equal(LogLevel.Debug, refused.Level);
    }

    [Fact]
    public async Task A_shared_store_with_the_in_process_bus_logs_a_warning_naming_the_transport_setting()
    {
        var capture = new CapturingLoggerProvider();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddProvider(capture));
        services.AddAgentCoherence().UseStore(_ => new ConnectingStore(_ => ValueTask.CompletedTask));
        await using var provider = services.BuildServiceProvider();

        _ = provider.GetRequiredService<CoherenceClient>();

        var warning = Assert.Single(capture.Entries, e => e.EventId.Id == 3005);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("AgentCoherence:Transport:Kind", warning.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(ConnectingStore), warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_in_memory_store_with_the_in_process_bus_logs_no_transport_warning()
    {
        var capture = new CapturingLoggerProvider();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddProvider(capture));
        services.AddAgentCoherence();
        await using var provider = services.BuildServiceProvider();

        _ = provider.GetRequiredService<CoherenceClient>();

        Assert.DoesNotContain(capture.Entries, e => e.EventId.Id == 3005);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(601)]
    public void A_start_timeout_out_of_range_is_refused_naming_the_setting(int seconds)
    {
        var error = Assert.Throws<OptionsValidationException>(() =>
            CoherenceClient.CreateInMemory(new CoherenceOptions { StartTimeout = TimeSpan.FromSeconds(seconds) }));

        Assert.Contains("AgentCoherence:StartTimeout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sweep_before_any_operation_does_not_wait_forever_on_a_bus_that_never_connects()
    {
        var time = new FakeTimeProvider();
        var store = new InMemoryDirectoryStore(time);
        var stalled = new AgentId("stalled");
        await store.RegisterAgentAsync(stalled);
        _ = await store.AcquireAsync(stalled, new ArtifactKey("default", "doc"), OperationId.New());
        var options = new CoherenceOptions { StartTimeout = TimeSpan.FromSeconds(5), CrashRecovery = { Enabled = false } };
        var capture = new CapturingLoggerProvider();
        using var logging = LoggerFactory.Create(b => b.AddProvider(capture));
        await using var client = new CoherenceClient(store, new RetryingForeverBus(), options, time, logging);
        time.Advance(options.CrashRecovery.HeartbeatTimeout + TimeSpan.FromSeconds(1));

        var sweeping = client.SweepAsync().AsTask();
        time.Advance(TimeSpan.FromSeconds(5) + StartTimeoutGrace);
        var swept = await sweeping.WaitAsync(Hang);

        Assert.Single(swept.Reclaimed);
        Assert.Single(capture.Entries, e => e.EventId.Id == 3002);
    }

    /// <summary>A broker bus that keeps trying to connect until its start token is cancelled, as the NATS bus does.</summary>
    private sealed class RetryingForeverBus() : BrokerEventBus("retrying")
    {
        protected override Task StartAsync(CancellationToken cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken);

        protected override ValueTask PublishRawAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }

    /// <summary>A bus whose connect and subscribe never complete and ignore cancellation, as a client library stuck retrying does.</summary>
    private sealed class SilentBus : IEventBus
    {
        public ValueTask ConnectAsync(CancellationToken cancellationToken = default) => new(new TaskCompletionSource().Task);

        public ValueTask PublishAsync(IReadOnlyList<InvalidationSignal> signals, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public ValueTask<IAsyncDisposable> SubscribeAsync(Func<InvalidationSignal, ValueTask> handler, CancellationToken cancellationToken = default) =>
            new(new TaskCompletionSource<IAsyncDisposable>().Task);
    }

    /// <summary>An in-memory store, shared between processes as a server store is, whose connect runs <c>connect</c>.</summary>
    private sealed class ConnectingStore(Func<CancellationToken, ValueTask> connect) : DelegatingDirectoryStore(new InMemoryDirectoryStore())
    {
        public override bool SharedAcrossProcesses => true;

        public override ValueTask ConnectAsync(CancellationToken cancellationToken = default) => connect(cancellationToken);
    }
}

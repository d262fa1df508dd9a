using AgentCoherence.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace AgentCoherence.Tests.Hosting;

/// <summary>
/// What <c>AddAgentCoherence</c> leaves to the application (logging, the clock) and the one sweeper:
/// the client's own timer, under a host or not.
/// </summary>
public sealed class LoggingAndSweepTests
{
    /// <summary>Guards a wait for something the fake clock already triggered; never reached when the code works.</summary>
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AddAgentCoherence_before_AddLogging_leaves_the_applications_logging_on()
    {
        var capture = new CapturingLoggerProvider();
        var services = new ServiceCollection();
        services.AddAgentCoherence();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Debug).AddProvider(capture));
        await using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<ILogger<LoggingAndSweepTests>>().LogInformation("the application's own line");
        var client = provider.GetRequiredService<CoherenceClient>();
        await using var agent = client.Agent("planner");
        await agent.WriteAsync("plan", "v1");

        Assert.Contains(capture.Entries, e => e.Message == "the application's own line");
        Assert.Contains(capture.Entries, e => e.EventId.Id == 1001 && e.Message.Contains("planner", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_clock_the_application_registers_after_AddAgentCoherence_is_the_one_the_client_and_store_use()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection();
        services.AddAgentCoherence();
        services.TryAddSingleton<TimeProvider>(time);
        await using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<CoherenceClient>();
        await using var agent = client.Agent("writer");
        var key = client.Key("doc");
        await using var grant = await agent.AcquireAsync(key);

        Assert.Same(time, client.Time);
        Assert.Same(time, provider.GetRequiredService<TimeProvider>());
        Assert.Equal(time.GetUtcNow(), (await client.Store.InspectAsync(key))!.Holders[agent.Id].GrantedAt);
    }

    [Fact]
    public async Task Without_a_host_the_clients_sweep_reclaims_a_stalled_grant()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddAgentCoherence();
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<CoherenceClient>();
        await using var stalled = client.Agent("stalled", new AgentOptions { SendHeartbeats = false });
        var key = client.Key("doc");
        var reclaimed = ReclaimSignal(stalled);
        _ = await stalled.AcquireAsync(key);

        time.Advance(client.Options.CrashRecovery.HeartbeatTimeout + client.Options.CrashRecovery.SweepInterval);

        var signal = await reclaimed.WaitAsync(Hang);
        Assert.Equal(key, signal.Key);
        Assert.Equal(1, (await client.Store.InspectAsync(key))!.OwnerEpoch);
    }

    [Fact]
    public async Task Under_a_host_the_clients_sweep_reclaims_a_stalled_grant()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddAgentCoherence(o => o.CrashRecovery.SweepInterval = TimeSpan.FromSeconds(7));
        using var host = builder.Build();
        await host.StartAsync();
        var client = host.Services.GetRequiredService<CoherenceClient>();
        await using var stalled = client.Agent("stalled", new AgentOptions { SendHeartbeats = false });
        var key = client.Key("doc");
        var reclaimed = ReclaimSignal(stalled);
        _ = await stalled.AcquireAsync(key);

        time.Advance(client.Options.CrashRecovery.HeartbeatTimeout + client.Options.CrashRecovery.SweepInterval);

        Assert.Equal(key, (await reclaimed.WaitAsync(Hang)).Key);
        await host.StopAsync();
    }

    [Fact]
    public async Task Crash_recovery_off_on_a_shared_store_logs_one_warning_naming_the_setting_and_the_store()
    {
        var capture = new CapturingLoggerProvider();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddProvider(capture));
        services.AddAgentCoherence(o => o.CrashRecovery.Enabled = false).UseStore(_ => new SharedStore());
        await using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<CoherenceClient>();
        await using var agent = client.Agent("a");
        await agent.WriteAsync("doc", "v1");

        var warning = Assert.Single(capture.Entries, e => e.EventId.Id == 2003);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("AgentCoherence:CrashRecovery:Enabled", warning.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(SharedStore), warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Crash_recovery_off_on_the_in_memory_store_logs_no_warning()
    {
        var capture = new CapturingLoggerProvider();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddProvider(capture));
        services.AddAgentCoherence(o => o.CrashRecovery.Enabled = false);
        await using var provider = services.BuildServiceProvider();

        // The warning would be written by the constructor, so this line has already decided it.
        _ = provider.GetRequiredService<CoherenceClient>();

        Assert.DoesNotContain(capture.Entries, e => e.EventId.Id == 2003);
    }

    [Fact]
    public async Task A_host_creates_the_client_when_it_starts_so_the_warning_comes_at_start_up()
    {
        var capture = new CapturingLoggerProvider();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.AddProvider(capture);
        builder.Services.AddAgentCoherence(o => o.CrashRecovery.Enabled = false).UseStore(_ => new SharedStore());
        using var host = builder.Build();

        await host.StartAsync();

        Assert.Single(capture.Entries, e => e.EventId.Id == 2003);
        await host.StopAsync();
    }

    private static Task<InvalidationSignal> ReclaimSignal(CoherentAgent agent)
    {
        var reclaimed = new TaskCompletionSource<InvalidationSignal>(TaskCreationOptions.RunContinuationsAsynchronously);
        agent.SignalReceived += (_, signal) =>
        {
            if (signal.Kind == SignalKind.Reclaim)
            {
                reclaimed.TrySetResult(signal);
            }
        };
        return reclaimed.Task;
    }

    /// <summary>An in-memory store that says it is shared between processes, as a database or server store does.</summary>
    private sealed class SharedStore() : DelegatingDirectoryStore(new InMemoryDirectoryStore())
    {
        public override bool SharedAcrossProcesses => true;
    }
}

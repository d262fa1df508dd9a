using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using AgentCoherence.Signals;

namespace AgentCoherence.MassTransit.Tests;

/// <summary>The bus on MassTransit's in-memory transport (one process) and its registration; no broker needed.</summary>
public sealed class MassTransitInMemoryTests
{
    private static readonly InvalidationSignal Sample =
        new(new ArtifactKey("team-a", "plans/plan.md"), 7, new AgentId("reviewer"), SignalKind.Commit, new AgentId("planner"));

    [Fact]
    public async Task A_published_signal_comes_back_through_the_in_memory_transport_intact()
    {
        await using var bus = new MassTransitEventBus(new MassTransitBusOptions { Kind = MassTransitBusKind.InMemory });
        var received = new TaskCompletionSource<InvalidationSignal>(TaskCreationOptions.RunContinuationsAsynchronously);
        await bus.SubscribeAsync(s =>
        {
            received.TrySetResult(s);
            return ValueTask.CompletedTask;
        });

        await bus.PublishAsync([Sample]);

        Assert.Equal(Sample, await received.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task An_envelope_without_a_valid_signal_is_rejected_and_counted()
    {
        var options = new MassTransitBusOptions { Kind = MassTransitBusKind.InMemory };
        await using var bus = new MassTransitEventBus(options);
        var received = new TaskCompletionSource<InvalidationSignal>(TaskCreationOptions.RunContinuationsAsynchronously);
        await bus.SubscribeAsync(s =>
        {
            received.TrySetResult(s);
            return ValueTask.CompletedTask;
        });

        // The raw path of the base class, with bytes that are not a signal.
        await ((IEventBus)bus).PublishAsync([Sample]);
        await received.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await bus.PublishGarbageForTestAsync([9, 9, 9]);

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (bus.Rejected == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal(1, bus.Rejected);
        Assert.Equal(1, bus.Received);
    }

    [Fact]
    public async Task UseMassTransit_binds_its_settings_from_the_transport_section()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AgentCoherence:Transport:Kind"] = "MassTransit",
            ["AgentCoherence:Transport:MassTransit:Kind"] = "InMemory",
            ["AgentCoherence:Transport:MassTransit:ExchangeName"] = "team-a.signals",
            ["AgentCoherence:Transport:MassTransit:Port"] = "5673",
        }).Build();
        var services = new ServiceCollection();
        services.AddAgentCoherence(configuration.GetSection("AgentCoherence"))
            .UseMassTransit(configuration.GetSection("AgentCoherence:Transport:MassTransit"));
        await using var provider = services.BuildServiceProvider();

        var bus = Assert.IsType<MassTransitEventBus>(provider.GetRequiredService<IEventBus>());

        Assert.Equal("team-a.signals", bus.ExchangeName);
        var options = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<MassTransitBusOptions>>().Value;
        Assert.Equal(MassTransitBusKind.InMemory, options.Kind);
        Assert.Equal(5673, options.Port);
    }

    [Fact]
    public async Task The_transport_kind_in_configuration_selects_the_masstransit_bus()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AgentCoherence:Transport:Kind"] = "masstransit",
            ["AgentCoherence:Transport:MassTransit:Kind"] = "InMemory",
        }).Build();
        var services = new ServiceCollection();
        services.AddAgentCoherence(configuration.GetSection("AgentCoherence"))
            .UseTransportFromConfiguration(configuration.GetSection("AgentCoherence"));
        await using var provider = services.BuildServiceProvider();

        Assert.IsType<MassTransitEventBus>(provider.GetRequiredService<IEventBus>());
    }
}

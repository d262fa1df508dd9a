using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using AgentCoherence.Signals;

namespace AgentCoherence.Nats.Tests;

public sealed class NatsBuilderExtensionsTests
{
    [Fact]
    public async Task UseNats_binds_its_settings_from_the_transport_section()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AgentCoherence:Transport:Kind"] = "Nats",
            ["AgentCoherence:Transport:Nats:Url"] = "nats://nats.example:4333",
            ["AgentCoherence:Transport:Nats:Subject"] = "team-a.signals",
            ["AgentCoherence:Transport:Nats:Username"] = "agent",
        }).Build();
        var services = new ServiceCollection();
        services.AddAgentCoherence(configuration.GetSection("AgentCoherence"))
            .UseNats(configuration.GetSection("AgentCoherence:Transport:Nats"));
        await using var provider = services.BuildServiceProvider();

        var bus = Assert.IsType<NatsEventBus>(provider.GetRequiredService<IEventBus>());

        Assert.Equal("team-a.signals", bus.Subject);
        var opts = new NatsBusOptions { Url = "nats://nats.example:4333", Username = "agent" }.ToNatsOpts();
        Assert.Equal("nats://nats.example:4333", opts.Url);
        Assert.Equal("agent", opts.AuthOpts.Username);
    }

    [Fact]
    public async Task UseNats_in_code_replaces_the_in_memory_bus()
    {
        var services = new ServiceCollection();
        services.AddAgentCoherence().UseNats(o => o.Subject = "custom.subject");
        await using var provider = services.BuildServiceProvider();

        var bus = Assert.IsType<NatsEventBus>(provider.GetRequiredService<IEventBus>());
        Assert.Equal("custom.subject", bus.Subject);
    }

    [Fact]
    public async Task The_transport_kind_in_configuration_selects_the_nats_bus()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AgentCoherence:Transport:Kind"] = "nats",
            ["AgentCoherence:Transport:Nats:Url"] = "nats://127.0.0.1:4222",
        }).Build();
        var services = new ServiceCollection();
        services.AddAgentCoherence(configuration.GetSection("AgentCoherence"))
            .UseTransportFromConfiguration(configuration.GetSection("AgentCoherence"));
        await using var provider = services.BuildServiceProvider();

        Assert.IsType<NatsEventBus>(provider.GetRequiredService<IEventBus>());
    }
}

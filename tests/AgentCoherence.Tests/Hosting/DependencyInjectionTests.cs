using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using AgentCoherence.Protocol;

namespace AgentCoherence.Tests.Hosting;

public sealed class DependencyInjectionTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Fact]
    public async Task AddAgentCoherence_binds_options_from_the_configuration_section()
    {
        var configuration = Config(
            ("AgentCoherence:DefaultNamespace", "team-a"),
            ("AgentCoherence:Cache:Strategy", "Lease"),
            ("AgentCoherence:CrashRecovery:HeartbeatTimeout", "00:01:00"),
            ("AgentCoherence:HeartbeatInterval", "00:00:10"));
        var services = new ServiceCollection().AddLogging();
        services.AddAgentCoherence(configuration.GetSection("AgentCoherence"));
        await using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<CoherenceClient>();
        Assert.Equal("team-a", client.Options.DefaultNamespace);
        Assert.Equal(CacheStrategy.Lease, client.Options.Cache.Strategy);
        Assert.Equal(TimeSpan.FromMinutes(1), client.Options.CrashRecovery.HeartbeatTimeout);
        Assert.IsType<InMemoryDirectoryStore>(provider.GetRequiredService<IDirectoryStore>());
        await using var agent = client.Agent("planner");
        var view = await agent.WriteAsync("plan", "hello");
        Assert.Equal("team-a", view.Key.Namespace);
    }

    [Fact]
    public async Task Invalid_configuration_stops_the_host_at_start_with_a_clear_message()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddAgentCoherence(Config(("AgentCoherence:CrashRecovery:MaxHold", "-00:00:01")).GetSection("AgentCoherence"));
        using var host = builder.Build();
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("AgentCoherence:CrashRecovery:MaxHold", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_builder_swaps_the_store_and_bus()
    {
        var store = new InMemoryDirectoryStore();
        var bus = new AgentCoherence.Testing.ChaosEventBus(new InMemoryEventBus());
        var services = new ServiceCollection().AddLogging();
        services.AddAgentCoherence(o => o.DefaultNamespace = "x").UseStore(_ => store).UseEventBus(_ => bus);
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<CoherenceClient>();
        Assert.Same(store, client.Store);
        Assert.Same(bus, client.Bus);
    }
}

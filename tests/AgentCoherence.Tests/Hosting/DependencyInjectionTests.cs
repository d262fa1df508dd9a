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
    public async Task Observe_mode_is_switched_on_by_configuration_alone()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddAgentCoherence(Config(("AgentCoherence:Mode", "Observe")).GetSection("AgentCoherence"));
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<CoherenceClient>();
        Assert.Equal(CoherenceMode.Observe, client.Options.Mode);

        var reported = new List<WouldBeRefusal>();
        client.WouldBeRefused += (_, r) => reported.Add(r);
        await using var a = client.Agent("a");
        await using var b = client.Agent("b");
        await a.WriteAsync("doc", "v1");
        await b.ReadAsync("doc");
        await a.WriteAsync("doc", "v2");
        Assert.Equal(3, (await b.WriteAsync("doc", "stale")).Version);
        Assert.Equal(RefusalReason.StaleView, Assert.Single(reported).Refusal.Reason);
    }

    [Fact]
    public void The_mode_defaults_to_enforce()
    {
        Assert.Equal(CoherenceMode.Enforce, new CoherenceOptions().Mode);
    }

    [Theory]
    [InlineData("Observ")]
    [InlineData("7")]
    public async Task A_mode_that_is_not_enforce_or_observe_stops_the_host_at_start_naming_the_key(string value)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddAgentCoherence(Config(("AgentCoherence:Mode", value)).GetSection("AgentCoherence"));
        using var host = builder.Build();
        var error = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());
        Assert.Contains("AgentCoherence:Mode", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_mode_out_of_range_is_refused_without_a_host_too()
    {
        var error = Assert.Throws<OptionsValidationException>(() => new CoherenceClient(new InMemoryDirectoryStore(), new InMemoryEventBus(), new CoherenceOptions { Mode = (CoherenceMode)7 }));
        Assert.Contains("AgentCoherence:Mode '7' is not one of Enforce, Observe.", error.Message, StringComparison.Ordinal);
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

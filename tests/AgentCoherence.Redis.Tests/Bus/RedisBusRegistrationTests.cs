using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using AgentCoherence.Signals;

namespace AgentCoherence.Redis.Tests.Bus;

public sealed class RedisBusRegistrationTests
{
    [Fact]
    public void UseRedisBus_binds_its_settings_from_the_transport_section()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AgentCoherence:Transport:Kind"] = "Redis",
            ["AgentCoherence:Transport:Redis:ConnectionString"] = "redis.example:6380,abortConnect=false",
            ["AgentCoherence:Transport:Redis:Channel"] = "team-a:signals",
        }).Build();
        var services = new ServiceCollection();
        services.AddAgentCoherence(configuration.GetSection("AgentCoherence"))
            .UseRedisBus(configuration.GetSection("AgentCoherence:Transport:Redis"));
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<RedisBusOptions>>().Value;

        Assert.Equal("team-a:signals", options.Channel);
        Assert.Equal("redis.example:6380,abortConnect=false", options.ConnectionString);
    }

    [Fact]
    public void UseRedisBus_without_a_connection_string_or_multiplexer_fails_with_a_clear_message()
    {
        var services = new ServiceCollection();
        services.AddAgentCoherence().UseRedisBus();
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IEventBus>());
        Assert.Contains("ConnectionString", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_transport_kind_in_configuration_selects_the_redis_bus()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AgentCoherence:Transport:Kind"] = "redis",
            ["AgentCoherence:Transport:Redis:ConnectionString"] = "127.0.0.1:1,abortConnect=false",
        }).Build();
        var services = new ServiceCollection();
        services.AddAgentCoherence(configuration.GetSection("AgentCoherence"))
            .UseTransportFromConfiguration(configuration.GetSection("AgentCoherence"));
        await using var provider = services.BuildServiceProvider();

        Assert.IsType<RedisEventBus>(provider.GetRequiredService<IEventBus>());
    }
}

using AgentCoherence.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentCoherence.Redis.Tests;

/// <summary>The Redis store and bus connect when the client starts, within the start timeout, and say what failed.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisStartTests(RedisFixture redis)
{
    /// <summary>Guards a wait that the start timeout must end first; never reached when the code works.</summary>
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_wrong_store_address_fails_host_start_within_the_start_timeout_naming_the_setting_the_address_and_the_cause()
    {
        var address = $"127.0.0.1:{ClosedPort.Get()}";
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(Settings(("AgentCoherence:StartTimeout", "00:00:03"), ("AgentCoherence:Redis:ConnectionString", address + ",connectTimeout=1000")));
        builder.Services.AddAgentCoherence(builder.Configuration.GetSection("AgentCoherence")).UseRedis(builder.Configuration.GetSection("AgentCoherence:Redis"));
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => host.StartAsync().WaitAsync(Hang));

        Assert.Contains("AgentCoherence:Redis:ConnectionString", error.Message, StringComparison.Ordinal);
        Assert.Contains(address, error.Message, StringComparison.Ordinal);
        Assert.Contains("refused", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_wrong_bus_address_fails_start_naming_the_buses_own_setting()
    {
        var address = $"127.0.0.1:{ClosedPort.Get()}";
        await using var provider = ConfiguredServices.WithTransportFromConfiguration(
            ("AgentCoherence:StartTimeout", "00:00:03"),
            ("AgentCoherence:Transport:Kind", "Redis"),
            ("AgentCoherence:Transport:Redis:ConnectionString", address + ",connectTimeout=1000"));

        var error = await Assert.ThrowsAsync<TransportUnavailableException>(() => ConfiguredServices.StartHostedServicesAsync(provider).WaitAsync(Hang));

        Assert.Contains("AgentCoherence:Transport:Redis:ConnectionString", error.Message, StringComparison.Ordinal);
        Assert.Contains(address, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_misspelled_connection_string_key_fails_start_naming_it_and_the_valid_settings()
    {
        await using var provider = BuildWithStore(("AgentCoherence:Redis:ConnectonString", "redis:6379"));

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<RedisStoreOptions>>().Value);

        Assert.Contains("AgentCoherence:Redis:ConnectonString is not a setting of RedisStoreOptions", error.Message, StringComparison.Ordinal);
        Assert.Contains("ConnectionString, KeyPrefix, Database", error.Message, StringComparison.Ordinal);
        Assert.Contains("AgentCoherence:Redis:ConnectionString is not set", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_redis_section_fails_start_rather_than_falling_back_to_localhost()
    {
        await using var provider = BuildWithStore(("AgentCoherence:Reddis:ConnectionString", "redis:6379"));

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<RedisStoreOptions>>().Value);

        Assert.Contains("AgentCoherence:Redis:ConnectionString is not set: there is no AgentCoherence:Redis section", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_connection_string_that_does_not_parse_fails_start_naming_the_setting()
    {
        await using var provider = BuildWithStore(("AgentCoherence:Redis:ConnectionString", "redis:6379,frobnicate=yes"));

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<RedisStoreOptions>>().Value);

        Assert.Contains("AgentCoherence:Redis:ConnectionString is not a StackExchange.Redis configuration string", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_start_timeout_no_longer_than_the_connect_timeout_fails_start_naming_both()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(Settings(
            ("AgentCoherence:StartTimeout", "00:00:03"),
            ("AgentCoherence:Redis:ConnectionString", "redis:6379"))).Build();
        var services = new ServiceCollection();
        services.AddAgentCoherence(configuration.GetSection("AgentCoherence")).UseRedis(configuration.GetSection("AgentCoherence:Redis"));
        await using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<RedisStoreOptions>>().Value);

        Assert.Contains("AgentCoherence:StartTimeout (00:00:03) must be longer than the connectTimeout of AgentCoherence:Redis:ConnectionString (00:00:05)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_bus_channel_is_refused_naming_the_setting()
    {
        var error = Assert.Throws<OptionsValidationException>(() => new RedisEventBus(System.Reflection.DispatchProxy.Create<StackExchange.Redis.IConnectionMultiplexer, NoConnection>(), new RedisBusOptions { Channel = " " }));

        Assert.Contains("AgentCoherence:Transport:Redis:Channel", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_static_connect_to_a_wrong_address_fails_with_the_librarys_error_naming_the_setting()
    {
        var address = $"127.0.0.1:{ClosedPort.Get()}";

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() =>
            RedisDirectoryStore.ConnectAsync(new RedisStoreOptions { ConnectionString = address + ",connectTimeout=1000" }).WaitAsync(Hang));

        Assert.Contains("AgentCoherence:Redis:ConnectionString", error.Message, StringComparison.Ordinal);
        Assert.Contains(address, error.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Host_start_over_a_live_redis_connects_the_store_and_the_bus_and_logs_it()
    {
        redis.Server.SkipIfUnavailable();
        var capture = new CapturingLoggerProvider();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.AddProvider(capture);
        builder.Configuration.AddInMemoryCollection(Settings(
            ("AgentCoherence:Redis:ConnectionString", redis.ConnectionString),
            ("AgentCoherence:Redis:KeyPrefix", RedisFixture.NewPrefix()),
            ("AgentCoherence:Transport:Kind", "Redis")));
        var section = builder.Configuration.GetSection("AgentCoherence");
        builder.Services.AddAgentCoherence(section).UseRedis(section.GetSection("Redis")).UseTransportFromConfiguration(section);
        using var host = builder.Build();

        await host.StartAsync().WaitAsync(Hang);

        var started = Assert.Single(capture.Entries, e => e.EventId.Id == 1014);
        Assert.Contains("RedisDirectoryStore", started.Message, StringComparison.Ordinal);
        Assert.Contains("RedisEventBus", started.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(capture.Entries, e => e.EventId.Id == 3005);
        await host.StopAsync();
    }

    private static IEnumerable<KeyValuePair<string, string?>> Settings(params (string Key, string Value)[] values) =>
        values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value));

    private static ServiceProvider BuildWithStore(params (string Key, string Value)[] values)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(Settings(values)).Build();
        var services = new ServiceCollection();
        services.AddAgentCoherence(o => o.CrashRecovery.Enabled = false).UseRedis(configuration.GetSection("AgentCoherence:Redis"));
        return services.BuildServiceProvider();
    }

    /// <summary>Stands in for a connection where none is used: the bus refuses its options before touching it.</summary>
    public class NoConnection : System.Reflection.DispatchProxy
    {
        protected override object? Invoke(System.Reflection.MethodInfo? targetMethod, object?[]? args) => throw new NotSupportedException();
    }
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace AgentCoherence.Tests.Hosting;

/// <summary>
/// What <c>AddAgentCoherence</c> leaves to the application (logging, the clock) and the one sweeper:
/// the client's own timer, under a host or not.
/// </summary>
public sealed class LoggingAndSweepTests
{
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
}

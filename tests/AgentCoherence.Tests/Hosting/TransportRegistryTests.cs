using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using AgentCoherence.Hosting;
using AgentCoherence.Signals;

namespace AgentCoherence.Tests.Hosting;

public sealed class TransportRegistryTests
{
    [Fact]
    public void A_kind_whose_package_is_not_referenced_fails_naming_the_package()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Build("Carrier-Pigeon"));

        Assert.Contains("AgentCoherence.Carrier-Pigeon", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_kind_or_InMemory_keeps_the_in_process_bus()
    {
        await using var none = Build(null);
        await using var inMemory = Build("InMemory");

        Assert.IsType<InMemoryEventBus>(none.GetRequiredService<IEventBus>());
        Assert.IsType<InMemoryEventBus>(inMemory.GetRequiredService<IEventBus>());
    }

    [Fact]
    public async Task A_registered_kind_configures_the_bus_from_its_own_subsection()
    {
        TransportRegistry.Register("Test-Custom", new CustomConfigurator());

        await using var provider = Build("Test-Custom", ("AgentCoherence:Transport:Test-Custom:Name", "mine"));

        Assert.Equal("mine", Assert.IsType<NamedBus>(provider.GetRequiredService<IEventBus>()).Name);
    }

    private static ServiceProvider Build(string? kind, params (string Key, string Value)[] extra)
    {
        var values = new Dictionary<string, string?> { ["AgentCoherence:Transport:Kind"] = kind };
        foreach (var (key, value) in extra)
        {
            values[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        services.AddAgentCoherence(configuration.GetSection("AgentCoherence"))
            .UseTransportFromConfiguration(configuration.GetSection("AgentCoherence"));
        return services.BuildServiceProvider();
    }

    private sealed class CustomConfigurator : ITransportConfigurator
    {
        public void Configure(AgentCoherenceBuilder builder, IConfiguration transportSection) =>
            builder.UseEventBus(_ => new NamedBus(transportSection["Name"]!));
    }

    private sealed class NamedBus(string name) : IEventBus
    {
        public string Name { get; } = name;

        public ValueTask PublishAsync(IReadOnlyList<InvalidationSignal> signals, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public ValueTask<IAsyncDisposable> SubscribeAsync(Func<InvalidationSignal, ValueTask> handler, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();
    }
}

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using AgentCoherence.Hosting;
using AgentCoherence.Signals;

namespace AgentCoherence.Tests.Hosting;

public sealed class TransportRegistryTests
{
    [Fact]
    public async Task A_kind_whose_package_is_not_referenced_fails_start_naming_the_package()
    {
        await using var provider = Build("Carrier-Pigeon");

        var error = Assert.Throws<OptionsValidationException>(provider.GetRequiredService<CoherenceClient>);

        Assert.Contains("AgentCoherence.Carrier-Pigeon", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_kind_fails_start_listing_the_valid_kinds()
    {
        await using var provider = Build("Natss");

        var error = Assert.Throws<OptionsValidationException>(provider.GetRequiredService<CoherenceClient>);

        Assert.Contains("AgentCoherence:Transport:Kind 'Natss'", error.Message, StringComparison.Ordinal);
        Assert.Contains("InMemory, Redis, Nats, Kafka, MassTransit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_misspelled_key_under_Transport_fails_start_naming_it_and_the_valid_keys()
    {
        await using var provider = Build(null, ("AgentCoherence:Transport:Knd", "Nats"));

        var error = Assert.Throws<OptionsValidationException>(provider.GetRequiredService<CoherenceClient>);

        Assert.Contains("AgentCoherence:Transport:Knd", error.Message, StringComparison.Ordinal);
        Assert.Contains("Kind and InMemory, Redis, Nats", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_kind_with_no_package_to_load_is_refused_before_the_loader_sees_it()
    {
        await using var provider = Build("../../evil");

        var error = Assert.Throws<OptionsValidationException>(provider.GetRequiredService<CoherenceClient>);

        Assert.Contains("'../../evil' is not a transport kind", error.Message, StringComparison.Ordinal);
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

using AgentCoherence.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AgentCoherence.MassTransit.Tests;

/// <summary>The MassTransit bus connects when the client starts, within the start timeout, and says what failed; no broker needed.</summary>
public sealed class MassTransitStartTests
{
    /// <summary>Guards a wait that the start timeout must end first; never reached when the code works.</summary>
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_closed_port_fails_host_start_within_the_start_timeout_naming_the_setting_and_the_address()
    {
        var port = ClosedPort.Get();
        await using var provider = ConfiguredServices.WithTransportFromConfiguration(
            ("AgentCoherence:StartTimeout", "00:00:03"),
            ("AgentCoherence:Transport:Kind", "MassTransit"),
            ("AgentCoherence:Transport:MassTransit:Host", "127.0.0.1"),
            ("AgentCoherence:Transport:MassTransit:Port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        var error = await Assert.ThrowsAsync<TransportUnavailableException>(() => ConfiguredServices.StartHostedServicesAsync<MassTransitBusOptions>(provider).WaitAsync(Hang));

        Assert.Contains("AgentCoherence:Transport:MassTransit:Host", error.Message, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_host_in_configuration_fails_start_rather_than_connecting_to_localhost()
    {
        await using var provider = ConfiguredServices.WithTransportFromConfiguration(("AgentCoherence:Transport:Kind", "MassTransit"), ("AgentCoherence:Transport:MassTransit:Hostname", "rabbitmq"));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => ConfiguredServices.StartHostedServicesAsync<MassTransitBusOptions>(provider).WaitAsync(Hang));

        Assert.Contains("AgentCoherence:Transport:MassTransit:Host is not set", error.Message, StringComparison.Ordinal);
        Assert.Contains("AgentCoherence:Transport:MassTransit:Hostname is not a setting of MassTransitBusOptions", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_in_memory_kind_needs_no_host()
    {
        await using var provider = ConfiguredServices.WithTransportFromConfiguration(("AgentCoherence:Transport:Kind", "MassTransit"), ("AgentCoherence:Transport:MassTransit:Kind", "InMemory"));

        await ConfiguredServices.StartHostedServicesAsync<MassTransitBusOptions>(provider).WaitAsync(Hang);

        Assert.IsType<MassTransitEventBus>(provider.GetRequiredService<AgentCoherence.Signals.IEventBus>());
    }

    [Theory]
    [InlineData("Port", "0")]
    [InlineData("ExchangeName", "two words")]
    [InlineData("StartTimeout", "00:00:00")]
    public async Task An_invalid_setting_from_configuration_fails_start_naming_it(string setting, string value)
    {
        await using var provider = ConfiguredServices.WithTransportFromConfiguration(
            ("AgentCoherence:Transport:Kind", "MassTransit"),
            ("AgentCoherence:Transport:MassTransit:Host", "rabbitmq"),
            ($"AgentCoherence:Transport:MassTransit:{setting}", value));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => ConfiguredServices.StartHostedServicesAsync<MassTransitBusOptions>(provider).WaitAsync(Hang));

        Assert.Contains($"AgentCoherence:Transport:MassTransit:{setting}", error.Message, StringComparison.Ordinal);
    }

}

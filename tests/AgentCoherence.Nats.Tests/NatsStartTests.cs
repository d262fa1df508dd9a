using AgentCoherence.Testing;
using AgentCoherence.Testing.Servers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentCoherence.Nats.Tests;

/// <summary>The NATS bus connects when the client starts, within the start timeout, and says what failed.</summary>
public sealed class NatsStartTests(NatsServerFixture server) : IClassFixture<NatsServerFixture>
{
    /// <summary>Guards a wait that the start timeout must end first; never reached when the code works.</summary>
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_closed_port_fails_host_start_within_the_start_timeout_naming_the_setting_the_address_and_the_cause()
    {
        var url = $"nats://127.0.0.1:{ClosedPort.Get()}";
        await using var provider = ConfiguredServices.WithTransportFromConfiguration(("AgentCoherence:StartTimeout", "00:00:02"), ("AgentCoherence:Transport:Kind", "Nats"), ("AgentCoherence:Transport:Nats:Url", url));

        var error = await Assert.ThrowsAsync<TransportUnavailableException>(() => ConfiguredServices.StartHostedServicesAsync<NatsBusOptions>(provider).WaitAsync(Hang));

        Assert.Contains("AgentCoherence:Transport:Nats:Url", error.Message, StringComparison.Ordinal);
        Assert.Contains(url, error.Message, StringComparison.Ordinal);
        Assert.Contains("refused", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Without_a_host_the_first_call_on_a_closed_port_fails_within_the_start_timeout()
    {
        var url = $"nats://127.0.0.1:{ClosedPort.Get()}";
        await using var bus = new NatsEventBus(new NatsBusOptions { Url = url });
        await using var client = new CoherenceClient(new InMemoryDirectoryStore(), bus, new CoherenceOptions { StartTimeout = TimeSpan.FromSeconds(2) });
        await using var agent = client.Agent("planner");

        var error = await Assert.ThrowsAsync<TransportUnavailableException>(() => agent.WriteAsync("plan", "v1").AsTask().WaitAsync(Hang));

        Assert.Contains(url, error.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Connecting_is_logged_at_information_with_the_url()
    {
        server.SkipIfUnavailable();
        var capture = new CapturingLoggerProvider();
        await using var bus = new NatsEventBus(new NatsBusOptions { Url = server.DirectUrl }, capture.CreateLogger<NatsEventBus>());

        await bus.ConnectAsync().AsTask().WaitAsync(Hang);

        var connected = Assert.Single(capture.Entries, e => e.EventId.Id == 3102);
        Assert.Equal(LogLevel.Information, connected.Level);
        Assert.Contains(server.DirectUrl.TrimEnd('/'), connected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_password_in_the_url_does_not_reach_the_error()
    {
        var url = $"nats://agent:s3cret@127.0.0.1:{ClosedPort.Get()}";
        await using var bus = new NatsEventBus(new NatsBusOptions { Url = url });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));

        var error = await Assert.ThrowsAsync<TransportUnavailableException>(() => bus.ConnectAsync(timeout.Token).AsTask().WaitAsync(Hang));

        Assert.DoesNotContain("s3cret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_reconnect_minimum_above_the_maximum_is_refused_naming_both_settings()
    {
        var error = Assert.Throws<OptionsValidationException>(() =>
            new NatsEventBus(new NatsBusOptions { ReconnectWaitMin = TimeSpan.FromSeconds(5), ReconnectWaitMax = TimeSpan.FromSeconds(1) }));

        Assert.Contains("AgentCoherence:Transport:Nats:ReconnectWaitMax", error.Message, StringComparison.Ordinal);
        Assert.Contains("ReconnectWaitMin", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1:4222", "Url")]
    [InlineData("http://nats:4222", "Url")]
    public void A_url_that_is_not_a_nats_url_is_refused(string url, string setting)
    {
        var error = Assert.Throws<OptionsValidationException>(() => new NatsEventBus(new NatsBusOptions { Url = url }));

        Assert.Contains($"AgentCoherence:Transport:Nats:{setting} '{url}'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("signals.*")]
    [InlineData("signals.>")]
    [InlineData("two words")]
    [InlineData("a..b")]
    public void A_subject_one_cannot_publish_on_is_refused(string subject)
    {
        var error = Assert.Throws<OptionsValidationException>(() => new NatsEventBus(new NatsBusOptions { Subject = subject }));

        Assert.Contains("AgentCoherence:Transport:Nats:Subject", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_kinds_of_credentials_are_refused()
    {
        var error = Assert.Throws<OptionsValidationException>(() => new NatsEventBus(new NatsBusOptions { Token = "t", Username = "u", Password = "p" }));

        Assert.Contains("at most one of Username/Password, Token and CredentialsFile", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_settings_from_configuration_fail_start_naming_the_setting()
    {
        await using var provider = ConfiguredServices.WithTransportFromConfiguration(
            ("AgentCoherence:Transport:Kind", "Nats"),
            ("AgentCoherence:Transport:Nats:Url", "nats://nats:4222"),
            ("AgentCoherence:Transport:Nats:ReconnectWaitMin", "00:00:05"),
            ("AgentCoherence:Transport:Nats:ReconnectWaitMax", "00:00:01"));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => ConfiguredServices.StartHostedServicesAsync<NatsBusOptions>(provider).WaitAsync(Hang));

        Assert.Contains("AgentCoherence:Transport:Nats:ReconnectWaitMax", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_misspelled_key_fails_start_listing_the_valid_settings()
    {
        await using var provider = ConfiguredServices.WithTransportFromConfiguration(
            ("AgentCoherence:Transport:Kind", "Nats"),
            ("AgentCoherence:Transport:Nats:Url", "nats://nats:4222"),
            ("AgentCoherence:Transport:Nats:Subjet", "team-a.signals"));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => ConfiguredServices.StartHostedServicesAsync<NatsBusOptions>(provider).WaitAsync(Hang));

        Assert.Contains("AgentCoherence:Transport:Nats:Subjet is not a setting of NatsBusOptions", error.Message, StringComparison.Ordinal);
        Assert.Contains("Url, Subject, ConnectionName", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_nats_section_fails_start_rather_than_connecting_to_localhost()
    {
        await using var provider = ConfiguredServices.WithTransportFromConfiguration(("AgentCoherence:Transport:Kind", "Nats"), ("AgentCoherence:Transport:NATS-Server:Url", "nats://nats:4222"));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => ConfiguredServices.StartHostedServicesAsync<NatsBusOptions>(provider).WaitAsync(Hang));

        Assert.Contains("AgentCoherence:Transport:Nats:Url is not set", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_shipped_kind_whose_package_is_not_referenced_says_which_package_to_reference()
    {
        // This project references the NATS package only.
        await using var provider = ConfiguredServices.WithTransportFromConfiguration(("AgentCoherence:Transport:Kind", "Kafka"));

        var error = Assert.Throws<OptionsValidationException>(provider.GetRequiredService<CoherenceClient>);

        Assert.Contains("the package AgentCoherence.Kafka is not referenced", error.Message, StringComparison.Ordinal);
    }

}

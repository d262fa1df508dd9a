using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AgentCoherence.Tests.Hosting;

/// <summary>Keys in the library's configuration sections that name no setting fail start, listing the valid names.</summary>
public sealed class ConfigurationKeysTests
{
    [Fact]
    public async Task A_misspelled_setting_in_the_AgentCoherence_section_fails_start_naming_it_and_the_valid_names()
    {
        await using var provider = Build(("AgentCoherence:HeartbeatIntervall", "00:00:10"));

        var error = Assert.Throws<OptionsValidationException>(provider.GetRequiredService<CoherenceClient>);

        Assert.Contains("AgentCoherence:HeartbeatIntervall is not a setting", error.Message, StringComparison.Ordinal);
        Assert.Contains("HeartbeatInterval, KeepViewsOnDispose", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_misspelled_nested_setting_is_reported_with_its_full_path()
    {
        await using var provider = Build(("AgentCoherence:CrashRecovery:SweepIntervl", "00:00:10"));

        var error = Assert.Throws<OptionsValidationException>(provider.GetRequiredService<CoherenceClient>);

        Assert.Contains("AgentCoherence:CrashRecovery:SweepIntervl is not a setting of CrashRecoveryOptions", error.Message, StringComparison.Ordinal);
        Assert.Contains("SweepInterval", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_misspelled_setting_fails_host_start()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["AgentCoherence:MaxBatchSyze"] = "10" });
        builder.Services.AddAgentCoherence(builder.Configuration.GetSection("AgentCoherence"));
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("AgentCoherence:MaxBatchSyze", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_subsections_of_the_librarys_packages_and_correct_settings_are_accepted()
    {
        await using var provider = Build(
            ("AgentCoherence:HeartbeatInterval", "00:00:10"),
            ("AgentCoherence:crashrecovery:sweepinterval", "00:00:20"),
            ("AgentCoherence:Redis:ConnectionString", "redis:6379"),
            ("AgentCoherence:Sqlite:Path", "/tmp/x.db"),
            ("AgentCoherence:Mcp:Root", "/work"),
            ("AgentCoherence:Transport:Kind", "InMemory"));

        var client = provider.GetRequiredService<CoherenceClient>();

        Assert.Equal(TimeSpan.FromSeconds(20), client.Options.CrashRecovery.SweepInterval);
    }

    [Fact]
    public async Task A_section_bound_by_a_package_is_checked_against_its_options_type()
    {
        var configuration = Configuration(("AgentCoherence:Widget:Colour", "red"), ("AgentCoherence:Widget:Sise", "3"));
        var services = new ServiceCollection();
        services.AddAgentCoherence(configuration.GetSection("AgentCoherence")).BindOptions<WidgetOptions>(configuration.GetSection("AgentCoherence:Widget"));
        await using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<WidgetOptions>>().Value);

        Assert.Contains("AgentCoherence:Widget:Sise is not a setting of WidgetOptions; the settings under AgentCoherence:Widget are Colour, Size, Labels", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bound_section_takes_any_key_in_a_dictionary_setting_and_is_accepted_under_the_AgentCoherence_section()
    {
        var configuration = Configuration(("AgentCoherence:Widget:Size", "3"), ("AgentCoherence:Widget:Labels:anything.at-all", "x"));
        var services = new ServiceCollection();
        services.AddAgentCoherence(configuration.GetSection("AgentCoherence")).BindOptions<WidgetOptions>(configuration.GetSection("AgentCoherence:Widget"));
        await using var provider = services.BuildServiceProvider();

        Assert.Equal(3, provider.GetRequiredService<IOptions<WidgetOptions>>().Value.Size);
        Assert.NotNull(provider.GetRequiredService<CoherenceClient>());
    }

    [Fact]
    public async Task A_required_key_missing_because_the_section_is_misspelled_fails_naming_the_key_and_the_section()
    {
        var configuration = Configuration(("AgentCoherence:Widgit:Colour", "red"));
        var services = new ServiceCollection();
        services.AddAgentCoherence().BindOptions<WidgetOptions>(configuration.GetSection("AgentCoherence:Widget"), "Colour");
        await using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<WidgetOptions>>().Value);

        Assert.Contains("AgentCoherence:Widget:Colour is not set: there is no AgentCoherence:Widget section", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_subsection_of_the_AgentCoherence_section_fails_start()
    {
        await using var provider = Build(("AgentCoherence:Reddis:ConnectionString", "redis:6379"));

        var error = Assert.Throws<OptionsValidationException>(provider.GetRequiredService<CoherenceClient>);

        Assert.Contains("AgentCoherence:Reddis is not a setting", error.Message, StringComparison.Ordinal);
    }

    private static IConfigurationRoot Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    private static ServiceProvider Build(params (string Key, string Value)[] values)
    {
        var configuration = Configuration(values);
        var services = new ServiceCollection();
        services.AddAgentCoherence(configuration.GetSection("AgentCoherence"))
            .UseTransportFromConfiguration(configuration.GetSection("AgentCoherence"));
        return services.BuildServiceProvider();
    }

    private sealed class WidgetOptions
    {
        public string Colour { get; set; } = "blue";

        public int Size { get; set; }

        public Dictionary<string, string> Labels { get; set; } = [];

        public Func<int, int>? Hook { get; set; }
    }
}

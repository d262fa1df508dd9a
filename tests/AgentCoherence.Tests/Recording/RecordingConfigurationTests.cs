using AgentCoherence.Recording;
using AgentCoherence.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentCoherence.Tests.Recording;

public sealed class RecordingConfigurationTests
{
    private static ServiceProvider Services(params (string Key, string Value)[] values)
    {
        var services = new ServiceCollection();
        services.AddAgentCoherence(ConfiguredServices.Configuration(values).GetSection("AgentCoherence"));
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task Recording_Path_in_configuration_records_from_host_start_until_disposal()
    {
        using var dir = new TempDirectory();
        await using (var provider = Services(("AgentCoherence:Recording:Path", dir.Path), ("AgentCoherence:Recording:IncludeContent", "true")))
        {
            await ConfiguredServices.StartHostedServicesAsync<CoherenceOptions>(provider);
            var client = provider.GetRequiredService<CoherenceClient>();
            await client.Agent("planner").WriteCasAsync(client.Key("plan.md"), "v1", 0);
        }

        var file = await RecordingReader.ReadFileAsync(Directory.GetFiles(dir.Path).Single());
        Assert.True(file.Header.IncludeContent);
        Assert.Equal(
            [RecordingOperation.Register, RecordingOperation.CommitCas, RecordingOperation.Forget],
            file.Entries.Select(e => e.Op));
        Assert.NotNull(file.Entries[1].Content);
    }

    [Fact]
    public async Task An_unwritable_Recording_Path_fails_the_start_naming_the_setting_and_the_path()
    {
        using var dir = new TempDirectory();
        var blocker = dir.File("a-file");
        await File.WriteAllTextAsync(blocker, "not a directory");
        await using var provider = Services(("AgentCoherence:Recording:Path", blocker));

        var error = await Assert.ThrowsAsync<RecordingUnavailableException>(() => ConfiguredServices.StartHostedServicesAsync<CoherenceOptions>(provider));
        Assert.Equal(("AgentCoherence:Recording:Path", blocker), (error.Setting, error.Path));
        Assert.Contains("AgentCoherence:Recording:Path", error.Message, StringComparison.Ordinal);
        Assert.Contains(blocker, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_MaxFileBytes_that_is_not_positive_is_refused_naming_the_key()
    {
        using var provider = Services(("AgentCoherence:Recording:MaxFileBytes", "0"));
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<CoherenceOptions>>().Value);
        Assert.Contains("AgentCoherence:Recording:MaxFileBytes must be positive (got 0)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_path_store_calls_go_straight_to_the_store_and_stop_doing_so_when_a_recording_stops()
    {
        using var dir = new TempDirectory();
        await using var client = CoherenceClient.CreateInMemory();
        Assert.Same(client.Store, client.Directory);
        await using (client.RecordTo(dir.Path))
        {
            Assert.NotSame(client.Store, client.Directory);
        }

        Assert.Same(client.Store, client.Directory);
        Assert.Null(client.Recorders);
    }
}

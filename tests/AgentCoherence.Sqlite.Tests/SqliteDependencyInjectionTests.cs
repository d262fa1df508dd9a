using AgentCoherence.Sqlite;
using AgentCoherence.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using AgentCoherence.Protocol;

namespace AgentCoherence.Sqlite.Tests;

public sealed class SqliteDependencyInjectionTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task UseSqlite_binds_the_options_from_configuration_and_replaces_the_store()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AgentCoherence:Sqlite:Path"] = _directory.File("di.db"),
            ["AgentCoherence:Sqlite:BusyTimeout"] = "00:00:02",
            ["AgentCoherence:Sqlite:BusyRetryDelay"] = "00:00:00.005",
            ["AgentCoherence:Sqlite:Synchronous"] = "Normal",
        }).Build();
        var services = new ServiceCollection();
        services.AddAgentCoherence().UseSqlite(configuration.GetSection(SqliteStoreOptions.SectionName));
        await using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<SqliteStoreOptions>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(2), options.BusyTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(5), options.BusyRetryDelay);
        Assert.Equal(SqliteSynchronousMode.Normal, options.Synchronous);
        var store = Assert.IsType<SqliteDirectoryStore>(provider.GetRequiredService<IDirectoryStore>());
        await store.RegisterAgentAsync(new AgentId("alice"));
        Assert.Equal(1, (await store.CommitCasAsync(new AgentId("alice"), ArtifactKey.Of("x"), StoreTestExtensions.Text("x"), 0)).Ok());
    }

    [Fact]
    public void UseSqlite_refuses_the_retired_MaxBusyRetries_setting_at_start_up_naming_what_replaced_it()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AgentCoherence:Sqlite:Path"] = _directory.File("di.db"),
            ["AgentCoherence:Sqlite:MaxBusyRetries"] = "5",
        }).Build();
        var services = new ServiceCollection();
        services.AddAgentCoherence().UseSqlite(configuration.GetSection(SqliteStoreOptions.SectionName));
        using var provider = services.BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<SqliteStoreOptions>>().Value);
        Assert.Contains("AgentCoherence:Sqlite:MaxBusyRetries is no longer a setting", error.Message, StringComparison.Ordinal);
        Assert.Contains("BusyTimeout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_with_crash_recovery_off_warns_that_nothing_sweeps_the_shared_file()
    {
        var capture = new CapturingLoggerProvider();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddProvider(capture));
        services.AddAgentCoherence(o => o.CrashRecovery.Enabled = false).UseSqlite(o => o.Path = _directory.File("shared.db"));
        await using var provider = services.BuildServiceProvider();

        _ = provider.GetRequiredService<CoherenceClient>();

        var warning = Assert.Single(capture.Entries, e => e.EventId.Id == 2003);
        Assert.Contains("AgentCoherence:CrashRecovery:Enabled", warning.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(SqliteDirectoryStore), warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UseSqlite_in_code_with_invalid_options_fails_validation_naming_the_setting()
    {
        var services = new ServiceCollection();
        services.AddAgentCoherence().UseSqlite(o => o.BusyTimeout = TimeSpan.FromMinutes(1));
        using var provider = services.BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<SqliteStoreOptions>>().Value);
        Assert.Contains("exactly one of Path and ConnectionString", error.Message, StringComparison.Ordinal);
    }
}

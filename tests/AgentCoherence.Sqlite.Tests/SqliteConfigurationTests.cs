using AgentCoherence.Sqlite;
using AgentCoherence.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentCoherence.Sqlite.Tests;

/// <summary>What start says about a SQLite store's configuration: misspelled keys, and a shared file with no bus between the processes.</summary>
public sealed class SqliteConfigurationTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task A_misspelled_key_fails_start_naming_it_and_the_valid_settings()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AgentCoherence:Sqlite:Path"] = _directory.File("typo.db"),
            ["AgentCoherence:Sqlite:BusyTimout"] = "00:00:02",
        }).Build();
        var services = new ServiceCollection();
        services.AddAgentCoherence().UseSqlite(configuration.GetSection(SqliteStoreOptions.SectionName));
        await using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<SqliteStoreOptions>>().Value);

        Assert.Contains("AgentCoherence:Sqlite:BusyTimout is not a setting of SqliteStoreOptions", error.Message, StringComparison.Ordinal);
        Assert.Contains("BusyTimeout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sqlite_store_with_the_in_process_bus_logs_a_warning_at_start()
    {
        var capture = new CapturingLoggerProvider();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddProvider(capture));
        services.AddAgentCoherence().UseSqlite(o => o.Path = _directory.File("shared.db"));
        await using var provider = services.BuildServiceProvider();

        _ = provider.GetRequiredService<CoherenceClient>();

        var warning = Assert.Single(capture.Entries, e => e.EventId.Id == 3005);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains(nameof(SqliteDirectoryStore), warning.Message, StringComparison.Ordinal);
        Assert.Contains("AgentCoherence:Transport:Kind", warning.Message, StringComparison.Ordinal);
    }
}

using AgentCoherence;
using AgentCoherence.Sqlite;
using AgentCoherence.Sqlite.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using AgentCoherence.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Chooses the SQLite directory store on an <see cref="AgentCoherenceBuilder"/>.</summary>
public static class AgentCoherenceBuilderSqliteExtensions
{
    /// <summary>
    /// Uses a <see cref="SqliteDirectoryStore"/> configured in code, for example
    /// <c>.UseSqlite(o =&gt; o.Path = "/var/lib/agents/coherence.db")</c>. The options are validated
    /// at start-up; the store opens (and migrates) the file when first resolved, without waiting: an
    /// opening step that finds the file locked by another process is finished by the first operation.
    /// </summary>
    public static AgentCoherenceBuilder UseSqlite(this AgentCoherenceBuilder builder, Action<SqliteStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Configure(configure);
        return Register(builder);
    }

    /// <summary>
    /// Uses a <see cref="SqliteDirectoryStore"/> with options bound from <paramref name="section"/>
    /// (usually <c>configuration.GetSection("AgentCoherence:Sqlite")</c>): <c>Path</c> or
    /// <c>ConnectionString</c>, <c>BusyTimeout</c>, <c>BusyRetryDelay</c>, <c>Synchronous</c>.
    /// Validated at start-up: a key that names no setting fails start, listing the valid ones, and the
    /// retired <c>MaxBusyRetries</c> is refused naming what replaced it.
    /// </summary>
    public static AgentCoherenceBuilder UseSqlite(this AgentCoherenceBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        builder.BindOptions<SqliteStoreOptions>(section);

        // The binder would ignore it silently, and the operator would believe the retries were still counted.
        builder.Services.AddOptions<SqliteStoreOptions>().Validate(
            _ => section["MaxBusyRetries"] is null,
            $"{SqliteStoreOptions.SectionName}:MaxBusyRetries is no longer a setting: BusyTimeout alone bounds how long an operation waits for the write lock. Remove it (and raise BusyTimeout if the wait was too short).");
        return Register(builder);
    }

    private static AgentCoherenceBuilder Register(AgentCoherenceBuilder builder)
    {
        builder.Services.AddOptions<SqliteStoreOptions>().ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SqliteStoreOptions>, SqliteStoreOptionsValidator>());
        return builder.UseStore(sp => new SqliteDirectoryStore(
            sp.GetRequiredService<IOptions<SqliteStoreOptions>>().Value,
            sp.GetService<TimeProvider>()));
    }
}

using Microsoft.Extensions.Options;

namespace AgentCoherence.Sqlite.Internal;

/// <summary>Checks <see cref="SqliteStoreOptions"/> at start-up and says exactly which setting is wrong.</summary>
internal sealed class SqliteStoreOptionsValidator : IValidateOptions<SqliteStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, SqliteStoreOptions options)
    {
        var errors = Collect(options).ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    internal static IEnumerable<string> Collect(SqliteStoreOptions options)
    {
        const string S = SqliteStoreOptions.SectionName;
        var hasPath = !string.IsNullOrWhiteSpace(options.Path);
        var hasConnectionString = !string.IsNullOrWhiteSpace(options.ConnectionString);
        if (hasPath == hasConnectionString)
        {
            yield return $"{S}: set exactly one of Path and ConnectionString (got {(hasPath ? "both" : "neither")}).";
        }

        if (options.BusyTimeout < TimeSpan.Zero || options.BusyTimeout > TimeSpan.FromMinutes(10))
        {
            yield return $"{S}:BusyTimeout must be between 0 and 10 minutes (got {options.BusyTimeout}).";
        }

        if (options.BusyRetryDelay < TimeSpan.Zero || options.BusyRetryDelay > TimeSpan.FromSeconds(10))
        {
            yield return $"{S}:BusyRetryDelay must be between 0 and 10 seconds (got {options.BusyRetryDelay}).";
        }

        if (!Enum.IsDefined(options.Synchronous))
        {
            yield return $"{S}:Synchronous must be Normal or Full (got {options.Synchronous}).";
        }
    }
}

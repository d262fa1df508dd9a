using System.ComponentModel;
using System.Globalization;
using System.Net;
using AgentCoherence.Cli.Status;
using AgentCoherence.Protocol;
using AgentCoherence.Redis;
using AgentCoherence.Sqlite;
using Microsoft.Data.Sqlite;
using Spectre.Console;
using Spectre.Console.Cli;
using StackExchange.Redis;

namespace AgentCoherence.Cli.Commands;

/// <summary>
/// <c>coherence status --demo | --sqlite &lt;path&gt; | --redis &lt;connection&gt; [--json]</c>: who holds what in a
/// store — every artifact with its version, holders and grant, every agent with its last heartbeat, the recent
/// reclaims. Read-only: it lists through <see cref="IDirectoryStore.ListRecordsAsync"/> and
/// <see cref="IDirectoryStore.ListAgentsAsync"/>, joins as no agent and runs no sweep.
/// </summary>
/// <remarks>
/// Ages are measured against <c>clock</c> (the system clock) for the demo and SQLite, and against the Redis server's
/// clock for Redis, where the store stamps its times by that clock by default.
/// Exit codes: 0 the status was printed; 1 the store could not be reached or read; 2 the options do not name one
/// usable store (none or several of --demo/--sqlite/--redis, a missing database file, a connection string that does
/// not parse, a Redis option without --redis, --reclaims out of range). Errors go to standard error and name the
/// option and the address.
/// </remarks>
internal sealed class StatusCommand(IAnsiConsole console, TimeProvider clock, CliErrors errors) : AsyncCommand<StatusCommand.Settings>
{
    public const int Unreachable = 1;
    public const int Usage = 2;

    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--demo")]
        [Description("Play a one-minute scene on the in-memory store (a held grant, a deleted artifact, a reclaimed grant) and show its status.")]
        public bool Demo { get; init; }

        [CommandOption("--sqlite <PATH>")]
        [Description("The SQLite database file (as in AgentCoherence:Sqlite:Path). It must exist: status never creates one.")]
        public string? Sqlite { get; init; }

        [CommandOption("--redis <CONNECTION>")]
        [Description("A StackExchange.Redis connection string (as in AgentCoherence:Redis:ConnectionString), e.g. localhost:6379.")]
        public string? Redis { get; init; }

        [CommandOption("--key-prefix <PREFIX>")]
        [Description("With --redis: the store's key prefix (AgentCoherence:Redis:KeyPrefix; default agentcoherence:).")]
        public string? KeyPrefix { get; init; }

        [CommandOption("--database <N>")]
        [Description("With --redis: the Redis database number (AgentCoherence:Redis:Database; default: the connection's).")]
        public int? Database { get; init; }

        [CommandOption("--reclaims <N>")]
        [Description("How many recent reclaims to show.")]
        [DefaultValue(10)]
        public int Reclaims { get; init; } = 10;

        [CommandOption("--json")]
        [Description("Print the status as one JSON document (format coherence-status/1, see docs/cli.md) and nothing else.")]
        public bool Json { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (Problem(settings) is { } problem)
        {
            return Fail(Usage, problem);
        }

        StoreStatus status;
        if (settings.Demo)
        {
            status = await StatusDemoScene.RunAsync(cancellationToken);
        }
        else if (settings.Sqlite is { } path)
        {
            var (code, read) = await ReadSqliteAsync(path, cancellationToken);
            if (read is null)
            {
                return code;
            }

            status = read;
        }
        else
        {
            var (code, read) = await ReadRedisAsync(settings, cancellationToken);
            if (read is null)
            {
                return code;
            }

            status = read;
        }

        if (settings.Json)
        {
            console.Profile.Out.Writer.WriteLine(StatusRenderer.ToJson(status, settings.Reclaims));
        }
        else
        {
            StatusRenderer.Render(console, status, settings.Reclaims);
        }

        return 0;
    }

    private static string? Problem(Settings settings)
    {
        var stores = (settings.Demo ? 1 : 0) + (settings.Sqlite is null ? 0 : 1) + (settings.Redis is null ? 0 : 1);
        if (stores != 1)
        {
            return $"give exactly one store: --demo, --sqlite <path> or --redis <connection string> (got {(stores == 0 ? "none" : stores.ToString(CultureInfo.InvariantCulture))}).";
        }

        if (settings.Redis is null && (settings.KeyPrefix is not null || settings.Database is not null))
        {
            return "--key-prefix and --database apply only with --redis.";
        }

        if (settings.Reclaims is < 0 or > 10_000)
        {
            return $"--reclaims must be between 0 and 10000 (got {settings.Reclaims.ToString(CultureInfo.InvariantCulture)}).";
        }

        if (settings.Sqlite is { } path && !File.Exists(path))
        {
            return $"--sqlite: no database file at '{Path.GetFullPath(path)}' (status reads an existing store and never creates one).";
        }

        if (settings.KeyPrefix is { Length: 0 })
        {
            return "--key-prefix must not be empty.";
        }

        return null;
    }

    private async Task<(int Code, StoreStatus? Status)> ReadSqliteAsync(string path, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(path);

        // Read-only: status never creates, migrates or checkpoints the file it inspects.
        var readOnly = new SqliteConnectionStringBuilder { DataSource = full, Mode = SqliteOpenMode.ReadOnly };
        try
        {
            await using var store = new SqliteDirectoryStore(new SqliteStoreOptions { ConnectionString = readOnly.ToString() });
            return (0, await StoreStatus.ReadAsync(store, "sqlite", full, clock, cancellationToken));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The store reports a failed open as StoreUnavailableException with SQLite's error inside.
            var hint = ReadOnlyRefusal(ex)
                ? " (status opens the file read-only: it holds no store of this release's schema, and status neither creates nor migrates one)"
                : string.Empty;
            return (Fail(Unreachable, $"--sqlite: cannot read the store in '{full}'{hint}: {Cause(ex)}"), null);
        }
    }

    // A read-only open cannot create or migrate the schema: SQLite's "attempt to write a readonly database" (8), or the
    // store's own refusal of a schema it cannot use.
    private static bool ReadOnlyRefusal(Exception ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            if (e is SqliteException { SqliteErrorCode: 8 } or InvalidOperationException)
            {
                return true;
            }
        }

        return false;
    }

    private async Task<(int Code, StoreStatus? Status)> ReadRedisAsync(Settings settings, CancellationToken cancellationToken)
    {
        ConfigurationOptions configuration;
        try
        {
            configuration = ConfigurationOptions.Parse(settings.Redis!);
        }
        catch (Exception ex) when (ex is ArgumentException or RedisException)
        {
            return (Fail(Usage, $"--redis: the connection string does not parse: {ex.Message}"), null);
        }

        if (configuration.EndPoints.Count == 0)
        {
            return (Fail(Usage, "--redis: the connection string names no endpoint (e.g. localhost:6379)."), null);
        }

        var options = new RedisStoreOptions();
        options.ConnectionString = settings.Redis!;
        options.KeyPrefix = settings.KeyPrefix ?? options.KeyPrefix;
        options.Database = settings.Database ?? options.Database;
        var address = $"{Endpoints(configuration)} prefix '{options.KeyPrefix}'{(options.Database >= 0 ? $" database {options.Database.ToString(CultureInfo.InvariantCulture)}" : string.Empty)}";

        // Fail at connect rather than retry in the background: an operator wants to know now.
        configuration.AbortOnConnectFail = true;
        IConnectionMultiplexer connection;
        try
        {
            connection = await ConnectionMultiplexer.ConnectAsync(configuration);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // StackExchange.Redis's own message advises abortConnect=false, which is no help to an operator.
            var cause = ex is RedisConnectionException refused
                ? $"{refused.FailureType}{(refused.InnerException is { } inner ? " (" + inner.Message.ReplaceLineEndings(" ") + ")" : string.Empty)}"
                : Cause(ex);
            return (Fail(Unreachable, $"--redis: cannot connect to {Endpoints(configuration)} within {configuration.ConnectTimeout.ToString(CultureInfo.InvariantCulture)} ms: {cause}"), null);
        }

        await using (connection)
        {
            try
            {
                // Ages are measured on the Redis server's clock, which the store stamps heartbeats, grants and reclaims
                // with (RedisClock.Server, the default), so they read the same from any host.
                var store = new RedisDirectoryStore(connection, options);
                var server = connection.GetServers().First(s => !s.IsReplica);
                return (0, await StoreStatus.ReadAsync(
                    store, "redis", address, async _ => new DateTimeOffset(DateTime.SpecifyKind(await server.TimeAsync(), DateTimeKind.Utc)), cancellationToken));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return (Fail(Unreachable, $"--redis: cannot read the store at {address}: {Cause(ex)}"), null);
            }
        }
    }

    // host:port of every endpoint, never a password.
    private static string Endpoints(ConfigurationOptions configuration) => string.Join(", ", configuration.EndPoints.Select(endpoint => endpoint switch
    {
        DnsEndPoint dns => dns.Host + ":" + dns.Port.ToString(CultureInfo.InvariantCulture),
        IPEndPoint ip => ip.ToString(),
        _ => endpoint.ToString() ?? "?",
    }));

    private static string Cause(Exception ex)
    {
        var message = ex.Message.ReplaceLineEndings(" ");
        return $"{ex.GetType().Name}: {(message.Length <= 400 ? message : message[..397] + "...")}";
    }

    private int Fail(int code, string message)
    {
        errors.Writer.WriteLine("coherence status: " + message);
        return code;
    }
}

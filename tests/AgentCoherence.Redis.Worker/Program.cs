using System.Globalization;
using AgentCoherence;
using AgentCoherence.Redis;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

// Usage (prints one line per event on stdout, for the test that started it):
//   zombie <configuration> <keyPrefix> <agent> <storeKey>
//     Connects with <configuration> (the test points it at its TcpProxy), reads <storeKey> and takes
//     its write grant as <agent>, sending no heartbeats and running no sweeps, then prints HELD v<version>.
//     Then, one command per stdin line, until "quit" or end of input:
//       cas <expectedVersion> <content>   WriteCasAsync; prints CAS Ok v<version> or CAS <ExceptionType> <message>
//       commit <content>                  commits under the grant it took; prints COMMIT Ok v<version> or COMMIT <ExceptionType> <message>
//     It exits without leaving (no Forget): the test inspects what the zombie left in the store.
//   record <configuration> <keyPrefix> <dir> <agent> <count>
//     A CoherenceClient recording into <dir> (RecordTo) runs the contended workload of
//     tests/Shared/ContendedRecordingWorkload.cs: prints READ v<version>, waits for a line on stdin, prints DUEL won|lost,
//     makes <count> increments of key counter in all and grant writes of board.md, prints DONE <agent> refusals <n>.
//   The client's warnings (a store call retried, with its operation id) are printed as LOG lines.
var command = args.Length > 0 ? args[0] : "";
return command switch
{
    "record" when args.Length == 6 => await Record(args[1], args[2], args[3], args[4], int.Parse(args[5], CultureInfo.InvariantCulture)),
    "zombie" when args.Length == 5 => await Zombie(args[1], args[2], new AgentId(args[3]), ArtifactKey.FromStoreKey(args[4])),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: zombie <configuration> <keyPrefix> <agent> <storeKey>");
    return 2;
}

static async Task<int> Record(string configuration, string prefix, string directory, string agentName, int count)
{
    await using var connection = await ConnectionMultiplexer.ConnectAsync(configuration);
    await using var client = new CoherenceClient(new RedisDirectoryStore(connection, new RedisStoreOptions { KeyPrefix = prefix }), new InMemoryEventBus(), ContendedRecordingWorkload.Options());
    return await ContendedRecordingWorkload.RunAsync(client, directory, agentName, count);
}

static async Task<int> Zombie(string configuration, string prefix, AgentId id, ArtifactKey key)
{
    var options = ConfigurationOptions.Parse(configuration);
    options.AbortOnConnectFail = false;
    var connection = await ConnectionMultiplexer.ConnectAsync(options);
    var store = new RedisDirectoryStore(connection, new RedisStoreOptions { KeyPrefix = prefix });

    // No sweeper here and no heartbeats from the agent: the test's process decides when the grant is
    // reclaimed. Enough store retries to outlast the reconnect after the proxy cut the connection.
    var client = new CoherenceClient(store, new InMemoryEventBus(), new CoherenceOptions
    {
        CrashRecovery = { Enabled = false },
        StoreRetry = { MaxAttempts = 20, BaseDelay = TimeSpan.FromMilliseconds(20), MaxDelay = TimeSpan.FromMilliseconds(250) },
    },
    loggerFactory: new StdoutLoggerFactory());
    var agent = client.Agent(id.Value, new AgentOptions { SendHeartbeats = false });
    var read = await agent.ReadAsync(key);
    var grant = await agent.AcquireAsync(key);
    Console.WriteLine($"HELD v{grant.Version} (read v{read.Version})");

    while (await Console.In.ReadLineAsync() is { } line && line != "quit")
    {
        var parts = line.Split(' ', 3);
        switch (parts[0])
        {
            case "cas":
                Console.WriteLine("CAS " + await Outcome(async () => (await agent.WriteCasAsync(key, parts[2], long.Parse(parts[1], CultureInfo.InvariantCulture))).Version));
                break;
            case "commit":
                Console.WriteLine("COMMIT " + await Outcome(async () => await grant.CommitAsync(parts[1])));
                break;
            default:
                Console.WriteLine($"UNKNOWN {line}");
                break;
        }
    }

    // A zombie does not leave: its entries stay in the store as the sweep left them.
    return 0;
}

// "Ok v<version>", or the exception's type and message on one line (the test asserts on the type).
static async Task<string> Outcome(Func<Task<long>> write)
{
    try
    {
        return $"Ok v{await write()}";
    }
#pragma warning disable CA1031 // The worker reports every outcome to the test, whatever its type.
    catch (Exception ex)
#pragma warning restore CA1031
    {
        return $"{ex.GetType().Name} {ex.Message.ReplaceLineEndings(" ")}";
    }
}

/// <summary>Prints the client's warnings and errors as <c>LOG</c> lines, for the test's transcript.</summary>
internal sealed class StdoutLoggerFactory : ILoggerFactory, ILogger
{
    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            Console.WriteLine($"LOG {logLevel} {formatter(state, exception)}{(exception is null ? "" : $" ({exception.GetType().Name})")}");
        }
    }

    public void Dispose()
    {
    }
}

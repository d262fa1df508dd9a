using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace AgentCoherence.Redis;

/// <summary>
/// The store's Lua scripts: read once from the embedded <c>Scripts/*.lua</c> resources (each with the
/// shared <c>_lib.lua</c> in front), loaded with <c>SCRIPT LOAD</c> on every primary, then run with
/// <c>EVALSHA</c> by their SHA-1. A server that answers <c>NOSCRIPT</c> (restarted, failed over,
/// <c>SCRIPT FLUSH</c>) gets the scripts loaded again and the call is repeated once: a NOSCRIPT call
/// never ran, so repeating it cannot apply anything twice.
/// </summary>
internal sealed class RedisScripts
{
    private static readonly ConcurrentDictionary<string, Script> Cache = new(StringComparer.Ordinal);
    private readonly IConnectionMultiplexer _connection;
    private readonly string _keyPrefix;
    private Task? _loaded;
    private int _reloads;

    public RedisScripts(IConnectionMultiplexer connection, string keyPrefix)
    {
        _connection = connection;
        _keyPrefix = keyPrefix;
    }

    public static Script Read => Get("read");

    public static Script Acquire => Get("acquire");

    public static Script Commit => Get("commit");

    public static Script CommitCas => Get("commit_cas");

    public static Script CommitAll => Get("commit_all");

    public static Script Release => Get("release");

    public static Script Forget => Get("forget");

    public static Script Heartbeat => Get("heartbeat");

    public static Script Register => Get("register");

    public static Script Sweep => Get("sweep");

    public static Script Inspect => Get("inspect");

    /// <summary>Every script the store uses.</summary>
    public static IReadOnlyList<Script> All => [Read, Acquire, Commit, CommitCas, CommitAll, Release, Forget, Heartbeat, Register, Sweep, Inspect];

    /// <summary>How many times the scripts were loaded again after a NOSCRIPT answer.</summary>
    public int Reloads => Volatile.Read(ref _reloads);

    /// <summary>Runs a script by SHA, loading the scripts first when this instance has not yet, and again on NOSCRIPT.</summary>
    public async Task<RedisResult> RunAsync(IDatabaseAsync database, Script script, RedisKey[] keys, RedisValue[] args)
    {
        await (_loaded ??= LoadAllAsync()).ConfigureAwait(false);
        try
        {
            return await database.ScriptEvaluateAsync(script.Sha, keys, args).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _reloads);
            await LoadAllAsync().ConfigureAwait(false);
            return await database.ScriptEvaluateAsync(script.Sha, keys, args).ConfigureAwait(false);
        }
    }

    private async Task LoadAllAsync()
    {
        try
        {
            foreach (var endpoint in _connection.GetEndPoints())
            {
                var server = _connection.GetServer(endpoint);
                if (!server.IsConnected || server.IsReplica)
                {
                    continue;
                }

                if (server.ServerType == ServerType.Cluster && !RedisKeys.HasHashTag(_keyPrefix))
                {
                    throw new InvalidOperationException(
                        $"Redis Cluster needs a hash tag in AgentCoherence:Redis:KeyPrefix (for example \"{{team-a}}{_keyPrefix}\") so that every key of the store lives in one slot; '{_keyPrefix}' has none. See the Cluster rule in the AgentCoherence.Redis README.");
                }

                foreach (var script in All)
                {
                    var sha = await server.ScriptLoadAsync(script.Body).ConfigureAwait(false);
                    if (!sha.AsSpan().SequenceEqual(script.Sha))
                    {
                        throw new InvalidOperationException($"Redis returned an unexpected SHA-1 for script '{script.Name}'.");
                    }
                }
            }
        }
        catch
        {
            // Let the next call try again instead of caching the failure.
            _loaded = null;
            throw;
        }
    }

    private static Script Get(string name) => Cache.GetOrAdd(name, static n => Script.FromResources(n));

    /// <summary>One loaded script: its name, full body (library + script) and SHA-1.</summary>
    internal sealed class Script
    {
        private Script(string name, string body)
        {
            Name = name;
            Body = body;
            Sha = SHA1.HashData(Encoding.UTF8.GetBytes(body));
        }

        public string Name { get; }

        public string Body { get; }

        public byte[] Sha { get; }

        public static Script FromResources(string name) => new(name, Resource("_lib") + "\n" + Resource(name));

        private static string Resource(string name)
        {
            var resource = $"AgentCoherence.Redis.Scripts.{name}.lua";
            using var stream = typeof(RedisScripts).Assembly.GetManifestResourceStream(resource)
                ?? throw new InvalidOperationException($"The embedded script '{resource}' is missing.");
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return reader.ReadToEnd();
        }
    }
}

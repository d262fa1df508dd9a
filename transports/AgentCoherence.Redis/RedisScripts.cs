using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

using AgentCoherence.Redis.Internal;

namespace AgentCoherence.Redis;

/// <summary>
/// The store's Lua: the embedded <c>Scripts/*.lua</c> resources, each run with the shared
/// <c>_lib.lua</c> helpers. Two ways to run them (<see cref="RedisScriptMode"/>):
/// <list type="bullet">
/// <item><description>functions (Redis 7+): one library, <c>_lib.lua</c> followed by every script
/// wrapped as a function, loaded with <c>FUNCTION LOAD</c> on every primary and called with
/// <c>FCALL</c>. The library's name and its functions' names carry a hash of its text, so two versions
/// of this package can share one Redis while a fleet is upgraded;</description></item>
/// <item><description>scripts: each script with <c>_lib.lua</c> in front, loaded with <c>SCRIPT LOAD</c>
/// and run with <c>EVALSHA</c> by its SHA-1.</description></item>
/// </list>
/// A server that no longer knows the code (restarted without persistence, failed over,
/// <c>SCRIPT FLUSH</c>, <c>FUNCTION FLUSH</c>) answers <c>NOSCRIPT</c> or "Function not found" before
/// running anything; the code is loaded again and the call repeated once, which cannot apply twice.
/// </summary>
internal sealed class RedisScripts
{
    private static readonly ConcurrentDictionary<string, Script> Cache = new(StringComparer.Ordinal);
    private static readonly Lazy<FunctionLibrary> LazyLibrary = new(FunctionLibrary.Build);
    private readonly IConnectionMultiplexer _connection;
    private readonly string _keyPrefix;
    private readonly RedisScriptMode _requested;
    private Task? _loaded;
    private int _reloads;
    private volatile bool _useFunctions;

    public RedisScripts(IConnectionMultiplexer connection, string keyPrefix, RedisScriptMode mode = RedisScriptMode.Auto)
    {
        _connection = connection;
        _keyPrefix = keyPrefix;
        _requested = Enum.IsDefined(mode) ? mode : throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown RedisScriptMode.");
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

    public static Script Silent => Get("silent");

    public static Script Prune => Get("prune");

    public static Script Inspect => Get("inspect");

    public static Script Override => Get("override");

    /// <summary>Every script the store uses.</summary>
    public static IReadOnlyList<Script> All => [Read, Acquire, Commit, CommitCas, CommitAll, Release, Forget, Heartbeat, Register, Sweep, Silent, Prune, Inspect, Override];

    /// <summary>The function library: every script as one Redis 7 function.</summary>
    public static FunctionLibrary Library => LazyLibrary.Value;

    /// <summary>How many times the code was loaded again after the server had lost it.</summary>
    public int Reloads => Volatile.Read(ref _reloads);

    /// <summary>
    /// The mode in use: <see cref="RedisScriptMode.Functions"/> or <see cref="RedisScriptMode.Eval"/>
    /// once the first operation has loaded the code; before that, the mode that was asked for.
    /// </summary>
    public RedisScriptMode ActiveMode => _loaded is { IsCompletedSuccessfully: true }
        ? (_useFunctions ? RedisScriptMode.Functions : RedisScriptMode.Eval)
        : _requested;

    /// <summary>Runs a script (as a function or by SHA), loading the code first when this instance has not yet, and again when the server lost it.</summary>
    /// <exception cref="CodeNotLoadedException">Loading the code failed: the script was not sent.</exception>
    public async Task<RedisResult> RunAsync(IDatabaseAsync database, Script script, RedisKey[] keys, RedisValue[] args)
    {
        var loading = _loaded ??= LoadAllAsync();
        try
        {
            await loading.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not ObjectDisposedException)
        {
            // Let the next call try again instead of caching the failure.
            _ = Interlocked.CompareExchange(ref _loaded, null, loading);
            throw new CodeNotLoadedException(ex);
        }

        try
        {
            return await RunLoadedAsync(database, script, keys, args).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (IsCodeMissing(ex))
        {
            Interlocked.Increment(ref _reloads);
            try
            {
                await LoadAllAsync().ConfigureAwait(false);
            }
            catch (Exception load) when (load is not ObjectDisposedException)
            {
                throw new CodeNotLoadedException(load);
            }

            return await RunLoadedAsync(database, script, keys, args).ConfigureAwait(false);
        }
    }

    // NOSCRIPT (EVALSHA) and "ERR Function not found" (FCALL) are answered before anything runs.
    private static bool IsCodeMissing(RedisServerException ex) =>
        ex.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal)
        || ex.Message.Contains("Function not found", StringComparison.OrdinalIgnoreCase);

    private Task<RedisResult> RunLoadedAsync(IDatabaseAsync database, Script script, RedisKey[] keys, RedisValue[] args)
    {
        if (!_useFunctions)
        {
            return database.ScriptEvaluateAsync(script.Sha, keys, args);
        }

        // FCALL name numkeys key... arg...; keys passed as RedisKey so StackExchange.Redis routes the
        // call to the keys' slot on Cluster, exactly as it does for EVALSHA.
        var call = new object[2 + keys.Length + args.Length];
        call[0] = script.FunctionName;
        call[1] = keys.Length;
        keys.CopyTo(call, 2);
        for (var i = 0; i < args.Length; i++)
        {
            call[2 + keys.Length + i] = args[i];
        }

        return database.ExecuteAsync("FCALL", call);
    }

    private async Task LoadAllAsync()
    {
        var primaries = new List<IServer>();
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

            primaries.Add(server);
        }

        var functions = _requested switch
        {
            RedisScriptMode.Eval => false,
            RedisScriptMode.Functions => await LoadLibraryAsync(primaries, required: true).ConfigureAwait(false),
            _ => primaries.Count > 0 && primaries.TrueForAll(p => p.Version >= new Version(7, 0))
                && await LoadLibraryAsync(primaries, required: false).ConfigureAwait(false),
        };
        if (!functions)
        {
            await LoadScriptsAsync(primaries).ConfigureAwait(false);
        }

        _useFunctions = functions;
    }

    // FUNCTION LOAD on every primary. False (when not required) if a server refuses it: no such command
    // (before Redis 7), or an ACL without permission for it.
    private static async Task<bool> LoadLibraryAsync(List<IServer> primaries, bool required)
    {
        var library = Library;
        foreach (var server in primaries)
        {
            try
            {
                await server.ExecuteAsync("FUNCTION", "LOAD", library.Code).ConfigureAwait(false);
            }
            catch (RedisServerException ex) when (ex.Message.Contains("already exists", StringComparison.OrdinalIgnoreCase))
            {
                // Loaded by another instance (or before a failover): same name, same hash, same code.
            }
            catch (RedisServerException ex) when (!required && !ex.Message.Contains("LOADING", StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static async Task LoadScriptsAsync(List<IServer> primaries)
    {
        foreach (var server in primaries)
        {
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

    private static Script Get(string name) => Cache.GetOrAdd(name, static n => Script.FromResources(n));

    /// <summary>Loading the code failed (no script was sent); the inner exception says why.</summary>
    internal sealed class CodeNotLoadedException(Exception inner) : Exception("The store's Lua could not be loaded on the Redis server.", inner);

    /// <summary>One loaded script: its name, full body (library + script) and SHA-1.</summary>
    internal sealed class Script
    {
        private string? _functionName;

        private Script(string name, string source)
        {
            Name = name;
            Source = source;
            Body = Resource("_lib") + "\n" + Prologue + source;
            Sha = SHA1.HashData(Encoding.UTF8.GetBytes(Body));
        }

        /// <summary>What runs in front of every script: binds the builtins (see <c>_lib.lua</c>) on the first call.</summary>
        public const string Prologue = "if not r_call then bind_builtins() end\n";

        public string Name { get; }

        /// <summary>The script's own text, without the library.</summary>
        public string Source { get; }

        /// <summary>The name of the script's function in <see cref="Library"/>.</summary>
        public string FunctionName => _functionName ??= Library.FunctionName(Name);

        public string Body { get; }

        public byte[] Sha { get; }

        public static Script FromResources(string name) => new(name, Resource(name));

        public static string Resource(string name)
        {
            var resource = $"AgentCoherence.Redis.Scripts.{name}.lua";
            using var stream = typeof(RedisScripts).Assembly.GetManifestResourceStream(resource)
                ?? throw new InvalidOperationException($"The embedded script '{resource}' is missing.");
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return reader.ReadToEnd();
        }
    }

    /// <summary>
    /// The Redis 7 function library: <c>_lib.lua</c> once, then every script as
    /// <c>redis.register_function('ac_&lt;hash&gt;_&lt;name&gt;', function(KEYS, ARGV) ... end)</c>, so the
    /// scripts' text runs unchanged. The hash is the first 12 hex digits of the SHA-1 of that text.
    /// </summary>
    internal sealed class FunctionLibrary
    {
        private FunctionLibrary(string hash, string code)
        {
            Hash = hash;
            Name = "agentcoherence_" + hash;
            Code = code;
        }

        /// <summary>The library's name in <c>FUNCTION LIST</c>.</summary>
        public string Name { get; }

        /// <summary>What <c>FUNCTION LOAD</c> receives, shebang line included.</summary>
        public string Code { get; }

        public string Hash { get; }

        public string FunctionName(string script) => "ac_" + Hash + "_" + script;

        public static FunctionLibrary Build()
        {
            const string Placeholder = "@HASH@";
            var body = new StringBuilder(Script.Resource("_lib")).Append('\n');
            foreach (var script in All)
            {
                body.Append("redis.register_function('ac_").Append(Placeholder).Append('_').Append(script.Name)
                    .Append("', function(KEYS, ARGV)\n").Append(Script.Prologue).Append(script.Source).Append("\nend)\n");
            }

            var text = body.ToString();
            var hash = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(text)))[..12];
            return new FunctionLibrary(hash, $"#!lua name=agentcoherence_{hash}\n" + text.Replace(Placeholder, hash, StringComparison.Ordinal));
        }
    }
}

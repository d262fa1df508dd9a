using System.Collections.Concurrent;
using AgentCoherence.Sqlite;
using AgentCoherence.Volume;
using Microsoft.Extensions.Logging;
using AgentCoherence.Protocol;

namespace AgentCoherence.Mcp;

/// <summary>
/// One <see cref="CoherentVolume"/> per agent name, opened on the agent's first call and kept until the server
/// stops, all over one shared directory store. MCP over stdio or stateless HTTP carries no session identity,
/// so each tool call names its agent; keeping a volume per name keeps each agent's own view, which is what
/// lets the store refuse one agent's write after another agent committed.
/// </summary>
internal sealed class AgentVolumes : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, CoherentVolume> _volumes = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _opening = new(1, 1);
    private readonly IDirectoryStore _store;
    private readonly IAsyncDisposable? _ownedStore;
    private readonly ILogger<AgentVolumes> _logger;
    private int _disposed;

    /// <summary>Serves <see cref="CoherenceMcpOptions.Root"/> with the volume's default SQLite store, or <paramref name="store"/>.</summary>
    public AgentVolumes(CoherenceMcpOptions options, ILogger<AgentVolumes> logger, IDirectoryStore? store = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        _logger = logger;
        var root = options.Root ?? throw new ArgumentException("The root is not set.", nameof(options));
        Root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        Managed = options.EffectiveManaged;
        if (store is null)
        {
            var owned = OpenDefaultStore(Root);
            _ownedStore = owned;
            store = owned;
        }

        _store = store;
    }

    public CoherenceMcpOptions Options { get; }

    /// <summary>The served root, as configured (made absolute).</summary>
    public string Root { get; }

    /// <summary>The managed globs in force.</summary>
    public IReadOnlyList<string> Managed { get; }

    /// <summary>The shared directory store.</summary>
    public IDirectoryStore Store => _store;

    /// <summary>The agent names served so far, sorted.</summary>
    public IReadOnlyList<string> Agents => [.. _volumes.Keys.Order(StringComparer.Ordinal)];

    /// <summary>The agent's volume, opened on first use.</summary>
    /// <exception cref="CoherenceArgumentException">The name is not a valid agent id.</exception>
    /// <exception cref="AgentLimitException">The server already serves <see cref="CoherenceMcpOptions.MaxAgents"/> other agents.</exception>
    public async ValueTask<CoherentVolume> ForAgentAsync(string agent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        if (_volumes.TryGetValue(agent, out var volume))
        {
            return volume;
        }

        var id = new AgentId(agent);
        await _opening.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_volumes.TryGetValue(agent, out volume))
            {
                return volume;
            }

            if (_volumes.Count >= Options.MaxAgents)
            {
                throw new AgentLimitException(agent, Options.MaxAgents);
            }

            volume = await CoherentVolume.OpenAsync(Root, id.Value, new VolumeOptions { Managed = [.. Managed], Store = _store, Coherence = new CoherenceOptions { KeepViewsOnDispose = Options.KeepViews, Mode = Options.Mode } }, cancellationToken).ConfigureAwait(false);
            volume.WouldBeRefused += OnWouldBeRefused;
            _volumes[agent] = volume;
            _logger.LogInformation(4001, "Agent {Agent} joined ({Count} served)", agent, _volumes.Count);
            return volume;
        }
        finally
        {
            _opening.Release();
        }
    }

    // Observe mode (--mode observe): the write was applied; the log says what enforcement would have refused.
    private void OnWouldBeRefused(object? sender, WouldBeRefusal refused) =>
        _logger.LogWarning(
            4002,
            "Observe mode: {Operation} by agent {Agent} on {Key} would be refused ({Reason}: current v{Version}); it was applied anyway",
            refused.Operation,
            refused.Agent.Value,
            refused.Key.Name,
            refused.Refusal.Reason,
            refused.Refusal.CurrentVersion);

    /// <summary>
    /// Every agent's grants are released and, unless <see cref="CoherenceMcpOptions.KeepViews"/>, the agent leaves
    /// the store; then the store this instance owns closes.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        foreach (var volume in _volumes.Values)
        {
            await volume.DisposeAsync().ConfigureAwait(false);
        }

        _volumes.Clear();
        if (_ownedStore is not null)
        {
            await _ownedStore.DisposeAsync().ConfigureAwait(false);
        }

        _opening.Dispose();
    }

    /// <summary>The volume's default store, <c>&lt;root&gt;/.coherence/directory.db</c>, shared with every other process on the root.</summary>
    private static SqliteDirectoryStore OpenDefaultStore(string root)
    {
        var database = CoherentVolume.DefaultDatabasePath(root);
        var stateDirectory = Path.GetDirectoryName(database)!;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(stateDirectory);
        }
        else
        {
            Directory.CreateDirectory(stateDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return new SqliteDirectoryStore(new SqliteStoreOptions { Path = database });
    }
}

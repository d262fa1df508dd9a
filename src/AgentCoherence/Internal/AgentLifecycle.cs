using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using AgentCoherence.Protocol;

namespace AgentCoherence.Internal;

/// <summary>
/// One agent's standing with the store: the first registration (with the bus subscription), heartbeats,
/// registering again when the store no longer knows the agent (its data was lost, pruned, or another
/// process forgot this id), and releases that failed after a write landed, retried until they land.
/// </summary>
internal sealed class AgentLifecycle : IDisposable
{
    private readonly CoherenceClient _client;
    private readonly AgentId _agent;
    private readonly AgentOptions _options;
    private readonly ILogger _logger;
    private readonly Action _invalidateAll;
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<ArtifactKey, OperationId> _pendingReleases = new();
    private Task? _started;
    private volatile bool _ready;
    private ITimer? _heartbeat;
    private bool _disposed;

    public AgentLifecycle(CoherenceClient client, AgentId agent, AgentOptions options, ILogger logger, Action invalidateAll)
    {
        _client = client;
        _agent = agent;
        _options = options;
        _logger = logger;
        _invalidateAll = invalidateAll;
    }

    /// <summary>True once the agent registered.</summary>
    public bool Ready => _ready;

    /// <summary>True when the first registration completed.</summary>
    public bool Started => _started is { IsCompletedSuccessfully: true };

    /// <summary>The calls this lifecycle's heartbeats and releases go through; set once by the agent.</summary>
    public StoreCalls? Calls { get; set; }

    /// <summary>Registers on first use; a failed start (store or bus unreachable) is retried by the next operation.</summary>
    public Task EnsureStartedAsync(CancellationToken cancellationToken)
    {
        if (_ready)
        {
            return Task.CompletedTask;
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, typeof(CoherentAgent));
            if (_started is null || _started.IsFaulted || _started.IsCanceled)
            {
                _started = StartAsync();
            }

            return _started.WaitAsync(cancellationToken);
        }
    }

    /// <summary>
    /// The store answered UnknownAgent: register again, treat every cached view as invalid (the store
    /// holds none of this agent's views any more), log a warning and count it.
    /// </summary>
    public async Task ReregisterAsync(CancellationToken cancellationToken)
    {
        _invalidateAll();
        await RegisterAsync(cancellationToken).ConfigureAwait(false);
        _client.Diagnostics.Reregistrations.Add(1);
        Log.Reregistered(_logger, _agent.Value);
    }

    /// <summary>Remembers a release that failed after its write landed; heartbeats (and disposal) retry it with the same id.</summary>
    public void ReleaseLater(ArtifactKey key, OperationId operation) => _pendingReleases.TryAdd(key, operation);

    /// <summary>Forgets a pending release (the grant was released or taken again).</summary>
    public void ReleaseDone(ArtifactKey key) => _pendingReleases.TryRemove(key, out _);

    /// <summary>Retries every pending release once; failures stay pending.</summary>
    public async Task RetryPendingReleasesAsync()
    {
        foreach (var (key, operation) in _pendingReleases.OrderBy(p => p.Key.StoreKey, StringComparer.Ordinal).ToList())
        {
            try
            {
                await _client.Directory.ReleaseAsync(_agent, key, operation).ConfigureAwait(false);
                _pendingReleases.TryRemove(new KeyValuePair<ArtifactKey, OperationId>(key, operation));
            }
            catch (Exception ex) when (ex is not InvariantViolationException)
            {
                Log.ReleasePending(_logger, ex, _agent.Value, key.ToString());
            }
        }
    }

    /// <summary>Stops heartbeats.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        _heartbeat?.Dispose();
    }

    private async Task StartAsync()
    {
        // Connects the store and the bus and subscribes, once per client, bounded by the start timeout.
        await _client.StartAsync().ConfigureAwait(false);

        await RegisterAsync(CancellationToken.None).ConfigureAwait(false);
        if (_options.SendHeartbeats)
        {
            var interval = _client.Options.HeartbeatInterval;
            _heartbeat = _client.Time.CreateTimer(_ => _ = BeatAsync(), null, interval, interval);
        }

        Log.AgentRegistered(_logger, _agent.Value);
        _ready = true;
    }

    private async Task RegisterAsync(CancellationToken cancellationToken)
    {
        var calls = Calls ?? throw new InvalidOperationException("The agent's store calls are not set.");
        await calls.ReadAsync<bool>(
            "Register",
            null,
            async ct =>
            {
                await _client.Directory.RegisterAgentAsync(_agent, ct).ConfigureAwait(false);
                return true;
            },
            _ => false,
            cancellationToken).ConfigureAwait(false);
    }

    private async Task BeatAsync()
    {
        try
        {
            if (await _client.Directory.HeartbeatAsync(_agent).ConfigureAwait(false) is not null)
            {
                await ReregisterAsync(CancellationToken.None).ConfigureAwait(false);
            }

            if (!_pendingReleases.IsEmpty)
            {
                await RetryPendingReleasesAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            Log.HeartbeatFailed(_logger, ex, _agent.Value);
        }
    }
}

using AgentCoherence.Protocol;

namespace AgentCoherence;

/// <summary>
/// A held write grant (state E, then M after the first commit). Commit as often as needed; dispose
/// to release. If crash recovery reclaims it, commits are refused with <see cref="StaleEpochException"/>.
/// </summary>
public sealed class CoherenceGrant : IAsyncDisposable
{
    private readonly CoherentAgent _agent;
    private int _released;

    internal CoherenceGrant(CoherentAgent agent, ArtifactKey key, long version, bool held = true)
    {
        _agent = agent;
        Key = key;
        Version = version;
        IsHeld = held;
    }

    /// <summary>
    /// True when the store granted it. Always true in enforce mode. In observe mode (<see cref="CoherenceMode.Observe"/>)
    /// an Acquire the store refused (a peer holds the grant, or this agent's view is stale) is reported as a would-be
    /// refusal and returns a grant that is not held: its commits and deletes are applied as uncoordinated writes
    /// (<see cref="Protocol.IDirectoryStore.OverrideAsync"/>), as a system without coordination would, and disposing
    /// it releases nothing.
    /// </summary>
    public bool IsHeld { get; }

    /// <summary>The artifact.</summary>
    public ArtifactKey Key { get; }

    /// <summary>The version after the latest commit under this grant (the acquired version at first).</summary>
    public long Version { get; private set; }

    /// <summary>Commits text under the grant; returns the new version.</summary>
    public async ValueTask<long> CommitAsync(string content, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _released) == 1, this);
        Version = (await _agent.CommitUnderGrantAsync(Key, _agent.Payload(content), effect: null, cancellationToken, IsHeld).ConfigureAwait(false)).Version;
        return Version;
    }

    /// <summary>
    /// Commits text under the grant with <paramref name="effect"/> run inside the store's atomic step when the commit
    /// is applied, with the new version: after the store checked the grant and the fence, before the commit is durable,
    /// while no other operation can interleave. A grant reclaimed while its holder stalled is refused
    /// (<see cref="StaleEpochException"/>) and the effect never runs. The effect's rules are those of
    /// <see cref="CoherentAgent.WriteCasAsync(ArtifactKey, string, long, Action{long}, CancellationToken)"/>: applied now
    /// only, never on a refusal or a same-id retry; short, idempotent, no store calls; if it throws, nothing lands and
    /// what it threw reaches the caller unchanged.
    /// </summary>
    /// <param name="content">The new text (UTF-8).</param>
    /// <param name="effect">Runs inside the step with the new version when the commit is applied.</param>
    /// <param name="cancellationToken">Honoured until the commit may have landed.</param>
    /// <returns>The new version.</returns>
    /// <exception cref="NotSupportedException">The store cannot run code inside its steps (it does not implement <see cref="IAtomicEffectStore"/>; the Redis store, for one). Nothing was sent.</exception>
    /// <exception cref="StaleEpochException">The grant was reclaimed; the effect did not run.</exception>
    /// <exception cref="OutcomeUnknownException">The store stayed unreachable after the commit was sent: it may have landed (and the effect run); see <see cref="CoherentAgent.ResolveAsync"/>.</exception>
    public async ValueTask<long> CommitAsync(string content, Action<long> effect, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(effect);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _released) == 1, this);
        var view = await CoherenceClient.UnwrapEffectFailureAsync(_agent.CommitUnderGrantAsync(Key, _agent.Payload(content), r => effect(r.Version), cancellationToken, IsHeld)).ConfigureAwait(false);
        Version = view.Version;
        return Version;
    }

    /// <summary>Deletes the artifact under the grant (a tombstone version); returns that version.</summary>
    public async ValueTask<long> DeleteAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _released) == 1, this);
        Version = await _agent.DeleteUnderGrantAsync(Key, cancellationToken, IsHeld).ConfigureAwait(false);
        return Version;
    }

    /// <summary>
    /// Releases the grant (E/M to S). Idempotent, and never throws: what was committed under the grant
    /// stays reported as committed; a release the store did not confirm is retried in the background.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0 && IsHeld)
        {
            await _agent.ReleaseAfterWriteAsync(Key).ConfigureAwait(false);
        }
    }
}

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

    internal CoherenceGrant(CoherentAgent agent, ArtifactKey key, long version)
    {
        _agent = agent;
        Key = key;
        Version = version;
    }

    /// <summary>The artifact.</summary>
    public ArtifactKey Key { get; }

    /// <summary>The version after the latest commit under this grant (the acquired version at first).</summary>
    public long Version { get; private set; }

    /// <summary>Commits text under the grant; returns the new version.</summary>
    public async ValueTask<long> CommitAsync(string content, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _released) == 1, this);
        Version = (await _agent.CommitUnderGrantAsync(Key, _agent.Payload(content), effect: null, cancellationToken).ConfigureAwait(false)).Version;
        return Version;
    }

    /// <summary>Commits under the grant with <paramref name="effect"/> run inside the store's atomic step when the commit is applied (<see cref="IAtomicEffectStore"/>).</summary>
    /// <exception cref="AtomicEffectFailedException">The effect threw; the store undid the step, nothing landed.</exception>
    internal async ValueTask<long> CommitAsync(ContentPayload payload, Action<WriteResult> effect, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _released) == 1, this);
        Version = (await _agent.CommitUnderGrantAsync(Key, payload, effect, cancellationToken).ConfigureAwait(false)).Version;
        return Version;
    }

    /// <summary>Deletes the artifact under the grant (a tombstone version); returns that version.</summary>
    public async ValueTask<long> DeleteAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _released) == 1, this);
        Version = await _agent.DeleteUnderGrantAsync(Key, cancellationToken).ConfigureAwait(false);
        return Version;
    }

    /// <summary>
    /// Releases the grant (E/M to S). Idempotent, and never throws: what was committed under the grant
    /// stays reported as committed; a release the store did not confirm is retried in the background.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            await _agent.ReleaseAfterWriteAsync(Key).ConfigureAwait(false);
        }
    }
}

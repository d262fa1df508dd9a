using AgentCoherence.Protocol;

namespace AgentCoherence.Volume;

/// <summary>Settings of a <see cref="CoherentVolume"/>.</summary>
public sealed class VolumeOptions
{
    /// <summary>
    /// Globs of the files kept coherent, relative to the root with <c>/</c> separators (for example
    /// <c>plans/**</c>, <c>memory/*.json</c>). Other files pass through untouched. Empty: nothing is managed.
    /// </summary>
    public IList<string> Managed { get; init; } = [];

    /// <summary>
    /// The directory store. Null (the default): a SQLite store at <c>&lt;root&gt;/.coherence/directory.db</c>,
    /// owned and disposed by the volume, shared by every process on the host. A store passed here is disposed
    /// by the caller and must run effects inside its atomic steps (<see cref="IAtomicEffectStore"/>: an
    /// <see cref="InMemoryDirectoryStore"/> shared by the agents of one process, or a <c>SqliteDirectoryStore</c>);
    /// any other (Redis) is refused with <see cref="UnsupportedStoreException"/>.
    /// </summary>
    public IDirectoryStore? Store { get; init; }

    /// <summary>Settings of the underlying <see cref="CoherenceClient"/>; defaults when null.</summary>
    public CoherenceOptions? Coherence { get; init; }

    /// <summary>How long <see cref="CoherentVolume.UpdateAsync(string, Func{string?, string}, CancellationToken)"/> keeps retrying while peers hold the file.</summary>
    public TimeSpan UpdateTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a read waits for a peer's write in flight (file renamed inside the peer's store step, its commit
    /// not yet visible to this reader) before reporting the difference between disk and store as a
    /// <see cref="ForeignEditException"/>.
    /// </summary>
    public TimeSpan InFlightWait { get; init; } = TimeSpan.FromSeconds(2);
}

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

    /// <summary>
    /// <see cref="CoherenceMode.Observe"/>: a managed file write the store refuses for coordination (a stale view, a
    /// version conflict, a peer writing the file, a reclaimed grant) is written anyway, renamed into place inside the
    /// store's step like any write, and reported through <see cref="CoherentVolume.WouldBeRefused"/> (and the client's
    /// Warning log and metric). Null (the default): the mode of <see cref="Coherence"/>, <see cref="CoherenceMode.Enforce"/>
    /// unless set there. A set value takes precedence over <see cref="Coherence"/>'s.
    /// </summary>
    public CoherenceMode? Mode { get; init; }

    /// <summary>How long <see cref="CoherentVolume.UpdateAsync(string, Func{string?, string}, CancellationToken)"/> keeps retrying while peers hold the file.</summary>
    public TimeSpan UpdateTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a read waits for a peer's write in flight (file renamed inside the peer's store step, its commit
    /// not yet visible to this reader) before reporting the difference between disk and store as a
    /// <see cref="ForeignEditException"/>.
    /// </summary>
    public TimeSpan InFlightWait { get; init; } = TimeSpan.FromSeconds(2);
}

using AgentCoherence.Sqlite;
using AgentCoherence.Volume.Internal;
using Microsoft.Extensions.FileSystemGlobbing;
using AgentCoherence.Protocol;

namespace AgentCoherence.Volume;

/// <summary>
/// A workspace directory whose managed files (globs such as <c>plans/**</c>) are shared coherently by
/// several processes on one host, with no server: a read registers the caller's view, a write based on
/// a stale view is refused with <see cref="StaleViewException"/>, files are replaced atomically, and an
/// edit made behind the volume's back is reported with <see cref="ForeignEditException"/>.
/// </summary>
/// <remarks>
/// <para>
/// The store is the authority for versions; it records each version's SHA-256 and bytes, and the file on disk
/// holds the bytes too. Files follow the store: every managed write runs under the artifact's write grant,
/// held across the whole sequence: acquire the grant → check the disk still matches the recorded hash → stage
/// the new content (a temporary file next to the target and an intent under <c>.coherence/intents/</c>, both
/// flushed to disk) → one atomic store step that checks the grant and the fence, commits the hash and, only
/// when it accepts, renames the temporary file over the target → release. The rename happens inside that
/// step (the in-memory store's lock, SQLite's <c>BEGIN IMMEDIATE</c> transaction, before <c>COMMIT</c>), so a
/// writer whose grant was reclaimed while it stalled is refused <see cref="StaleEpochException"/> and never
/// touches the file. Compare-and-set writes, <see cref="UpdateAsync(string, Func{string?, string}, CancellationToken)"/>
/// and multi-file publishes take the grants too (a publish in sorted path order, so publishers never deadlock);
/// a publish renames every file inside its one batch step, and puts back the ones already renamed when a rename fails.
/// </para>
/// <para>
/// A writer that dies between the rename and the commit leaves a file whose hash differs from the record and
/// equals its intent's: the next read or write recognises that leftover (inside a store step that keeps every
/// writer out) and puts the committed bytes back. Any other difference is a foreign edit, reported and never
/// overwritten. The store must run effects inside its steps (<see cref="IAtomicEffectStore"/>: the in-memory
/// and SQLite stores); a store that cannot, such as Redis, is refused when the volume opens.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// await using var volume = await CoherentVolume.OpenAsync("/work/space", "planner", new VolumeOptions { Managed = ["plans/**"] });
/// var plan = await volume.ReadAsync("plans/plan.md");
/// await volume.WriteAsync("plans/plan.md", plan.Content + "\n3. ship");
/// </code>
/// </example>
public sealed class CoherentVolume : IAsyncDisposable
{
    /// <summary>The artifact namespace of every managed file.</summary>
    public const string Namespace = "volume";

    /// <summary>The volume's state directory under the root; never readable or writable through the volume.</summary>
    public const string StateDirectoryName = ".coherence";

    /// <summary>The default SQLite store's file name inside <see cref="StateDirectoryName"/>.</summary>
    public const string DatabaseFileName = "directory.db";

    private readonly CoherenceClient _client;
    private readonly CoherentAgent _agent;
    private readonly SqliteDirectoryStore? _ownedStore;
    private readonly VolumePaths _paths;
    private readonly WriteIntents _intents;
    private readonly Matcher _managed;
    private readonly VolumeOptions _options;
    private int _disposed;

    private CoherentVolume(VolumePaths paths, AgentId agentId, VolumeOptions options, IAtomicEffectStore store, SqliteDirectoryStore? ownedStore)
    {
        _paths = paths;
        _options = options;
        _ownedStore = ownedStore;
        _intents = new WriteIntents(paths.StateDirectory);
        _managed = CreateMatcher(options.Managed);

        // Signals are hints for caches: the volume always re-validates with the store, and the store's
        // checks are what keep processes correct, so an in-process bus is enough.
        _client = new CoherenceClient(store, new InMemoryEventBus(), WithMode(options.Coherence, options.Mode));
        _agent = _client.Agent(agentId.ToString());
    }

    /// <summary>
    /// Observe mode (<see cref="VolumeOptions.Mode"/>): raised for every file write the store refused for coordination,
    /// before the volume writes it anyway. Never raised in enforce mode.
    /// </summary>
    public event EventHandler<WouldBeRefusal>? WouldBeRefused
    {
        add => _client.WouldBeRefused += value;
        remove => _client.WouldBeRefused -= value;
    }

    /// <summary>The mode the volume's writes run in.</summary>
    public CoherenceMode Mode => _client.Options.Mode;

    // The caller's options are left as they are: a mode set on the volume goes into a copy.
    private static CoherenceOptions? WithMode(CoherenceOptions? options, CoherenceMode? mode)
    {
        if (mode is not { } wanted || (options?.Mode ?? CoherenceMode.Enforce) == wanted)
        {
            return options;
        }

        var copy = new CoherenceOptions();
        if (options is not null)
        {
            foreach (var property in typeof(CoherenceOptions).GetProperties().Where(p => p.CanRead && p.CanWrite))
            {
                property.SetValue(copy, property.GetValue(options));
            }
        }

        copy.Mode = wanted;
        return copy;
    }

    /// <summary>The root directory (its real path).</summary>
    public string Root => _paths.Root;

    /// <summary>This process's agent id.</summary>
    public AgentId AgentId => _agent.Id;

    /// <summary>Test hook: the directory store (tests sweep it with their own policy and look at raw records).</summary>
    internal IDirectoryStore Store => _client.Store;

    /// <summary>Test hook: runs after a write staged its files and before the store step that renames them.</summary>
    internal Action? BeforeStoreStep { get; set; }

    /// <summary>
    /// Opens a volume over an existing directory. Each process (and each agent in it) opens its own
    /// volume with a distinct <paramref name="agentId"/>.
    /// </summary>
    /// <param name="root">The workspace directory; it must exist.</param>
    /// <param name="agentId">The agent acting through this volume.</param>
    /// <param name="options">Managed globs and the store; nothing is managed when null.</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    /// <exception cref="DirectoryNotFoundException">The root does not exist.</exception>
    /// <exception cref="UnsupportedStoreException"><see cref="VolumeOptions.Store"/> cannot run effects inside its atomic steps (the Redis store).</exception>
    /// <exception cref="StoreBusyException">With the default store: another process held its file locked (creating or migrating it, say)
    /// for the store's whole busy timeout (5 s). The wait holds no thread.</exception>
    public static async ValueTask<CoherentVolume> OpenAsync(string root, string agentId, VolumeOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        cancellationToken.ThrowIfCancellationRequested();
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"The volume root '{root}' does not exist.");
        }

        options ??= new VolumeOptions();
        var id = new AgentId(agentId);
        var paths = new VolumePaths(root);
        SqliteDirectoryStore? owned = null;
        IAtomicEffectStore store;
        if (options.Store is null)
        {
            // Waits (without a thread) while another process holds the file locked, e.g. creating or migrating it.
            owned = await OpenDefaultStoreAsync(paths.StateDirectory, cancellationToken).ConfigureAwait(false);
            store = owned;
        }
        else
        {
            // Files follow the store only when the rename happens inside the store's atomic step.
            store = options.Store as IAtomicEffectStore ?? throw new UnsupportedStoreException(options.Store.GetType());
        }

        try
        {
            return new CoherentVolume(paths, id, options, store, owned);
        }
        catch
        {
            if (owned is not null)
            {
                await owned.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>The default store's path for a root: <c>&lt;root&gt;/.coherence/directory.db</c>.</summary>
    public static string DefaultDatabasePath(string root) => Path.Combine(new VolumePaths(root).StateDirectory, DatabaseFileName);

    /// <summary>True when the path is managed (matches a managed glob). Unsafe paths throw.</summary>
    /// <exception cref="UnsafePathException">The path escapes the root or points into <c>.coherence/</c>.</exception>
    public bool IsManaged(string path) => IsManaged(_paths.Resolve(path));

    /// <summary>The managed files present on disk, as normalized relative paths, sorted.</summary>
    public IReadOnlyList<string> ManagedFiles() => EnumerateManaged(_paths.Root, _managed);

    /// <summary>
    /// The files under <paramref name="root"/> matching the <paramref name="managed"/> globs, as normalized
    /// relative paths, sorted; the state directory, temporary files and symbolic links are left out.
    /// </summary>
    public static IReadOnlyList<string> ListManagedFiles(string root, IEnumerable<string> managed) =>
        EnumerateManaged(new VolumePaths(root).Root, CreateMatcher(managed));

    /// <summary>The artifact key of a managed file.</summary>
    /// <exception cref="UnsafePathException">The path escapes the root or points into <c>.coherence/</c>.</exception>
    public ArtifactKey KeyOf(string path) => new(Namespace, _paths.Resolve(path).Name);

    /// <summary>
    /// What the store records about a managed file now: version, whether it is deleted, who holds the write grant
    /// and every agent's view (this agent's is <c>status.HolderOf(volume.AgentId)</c>). Registers no view, changes
    /// nothing, and never joins the store as this volume's agent, so a status display leaves no trace. The file on
    /// disk is not read.
    /// </summary>
    /// <exception cref="UnsafePathException">The path escapes the root or points into <c>.coherence/</c>.</exception>
    /// <exception cref="ArgumentException">The path is not managed.</exception>
    /// <exception cref="StoreUnavailableException">The store stayed unreachable.</exception>
    public ValueTask<ArtifactStatus> InspectAsync(string path, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return _client.InspectAsync(Key(RequireManaged(path)), cancellationToken);
    }

    /// <summary>
    /// Reads a file. For a managed file this re-validates with the store and registers this agent's view of
    /// the version (what a later <see cref="WriteAsync"/> is checked against); a managed file present on disk
    /// that the store never saw is adopted as its first version. Unmanaged files are read as they are (version 0).
    /// </summary>
    /// <exception cref="ForeignEditException">The file on disk differs from the recorded version.</exception>
    /// <exception cref="ArtifactNotFoundException">The managed file exists neither on disk nor in the store.</exception>
    /// <exception cref="FileNotFoundException">The unmanaged file does not exist.</exception>
    /// <exception cref="UnsafePathException">The path escapes the root or points into <c>.coherence/</c>.</exception>
    public async ValueTask<VolumeFile> ReadAsync(string path, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var resolved = _paths.Resolve(path);
        if (!IsManaged(resolved))
        {
            var text = await File.ReadAllTextAsync(resolved.FullPath, AtomicFile.Utf8, cancellationToken).ConfigureAwait(false);
            return new VolumeFile(resolved.Name, text, 0);
        }

        return await ReadManagedAsync(resolved, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Re-reads a managed file from the store and the disk: the recovery step after a
    /// <see cref="StaleViewException"/>. Re-derive your change from the result, then write again.
    /// </summary>
    /// <inheritdoc cref="ReadAsync" path="/exception"/>
    public ValueTask<VolumeFile> ReacquireAsync(string path, CancellationToken cancellationToken = default) => ReadAsync(path, cancellationToken);

    /// <summary>
    /// Writes a file. A managed file is written under the write grant (acquire, check the disk, stage the
    /// content, commit and rename the file in one atomic store step, release) and is refused, with nothing
    /// written, when this agent's view is stale or its grant was reclaimed. An unmanaged file is replaced
    /// atomically with no coherence.
    /// </summary>
    /// <exception cref="StaleViewException">A peer committed since this agent last read the file: reacquire, re-derive, write again.</exception>
    /// <exception cref="StaleEpochException">This agent's grant was reclaimed while it wrote (it stalled past the sweep's limits); nothing was written.</exception>
    /// <exception cref="HeldByOtherException">A peer is writing the file right now; retry.</exception>
    /// <exception cref="ForeignEditException">The file on disk differs from the recorded version; nothing was written.</exception>
    /// <exception cref="IOException">The file could not be written; nothing was committed.</exception>
    /// <exception cref="UnsafePathException">The path escapes the root or points into <c>.coherence/</c>.</exception>
    public async ValueTask<VolumeFile> WriteAsync(string path, string content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ThrowIfDisposed();
        var resolved = _paths.Resolve(path);
        if (!IsManaged(resolved))
        {
            AtomicFile.Replace(resolved.FullPath, AtomicFile.Utf8.GetBytes(content));
            return new VolumeFile(resolved.Name, content, 0);
        }

        var key = Key(resolved);
        var grant = await _agent.AcquireAsync(key, cancellationToken).ConfigureAwait(false);
        await using (grant.ConfigureAwait(false))
        {
            var disk = await CheckDiskUnderGrantAsync(resolved, key, cancellationToken).ConfigureAwait(false);
            return await CommitUnderGrantAsync(resolved, disk, grant, content, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Compare-and-set write of a managed file: lands only if the file is still at
    /// <paramref name="expectedVersion"/> (0 creates a file that never existed; a deleted file's tombstone
    /// version re-creates it). The expected version is the guard, so no prior read is needed. Runs under the
    /// write grant like <see cref="WriteAsync"/>: refresh the view, acquire, check the version and the disk,
    /// stage the content, commit and rename the file in one atomic store step, release. Nothing is written
    /// when it is refused.
    /// </summary>
    /// <exception cref="VersionConflictException">The file moved past <paramref name="expectedVersion"/>: re-read, merge, retry.</exception>
    /// <exception cref="ExpectedVersionAheadException"><paramref name="expectedVersion"/> is newer than the file: it did not come from a read.</exception>
    /// <exception cref="HeldByOtherException">A peer is writing the file right now; retry.</exception>
    /// <exception cref="StaleViewException">A peer committed between the refresh and the grant; retry.</exception>
    /// <exception cref="StaleEpochException">This agent's grant was reclaimed while it wrote; nothing was written.</exception>
    /// <exception cref="ForeignEditException">The file on disk differs from the recorded version; nothing was written.</exception>
    /// <exception cref="IOException">The file could not be written; nothing was committed.</exception>
    /// <exception cref="UnsafePathException">The path escapes the root or points into <c>.coherence/</c>.</exception>
    /// <exception cref="ArgumentException">The path is not managed, or <paramref name="expectedVersion"/> is negative.</exception>
    public async ValueTask<VolumeFile> WriteCasAsync(string path, string content, long expectedVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentOutOfRangeException.ThrowIfNegative(expectedVersion);
        ThrowIfDisposed();
        var resolved = RequireManaged(path);
        var key = Key(resolved);

        // The expected version is the guard (compare-and-set), so the view is refreshed first: a file that
        // moved is a version conflict, not a stale view.
        var grant = await RefreshThenAcquireAsync(key, cancellationToken).ConfigureAwait(false);
        await using (grant.ConfigureAwait(false))
        {
            // While the grant is held no version can move, so this check stays true until the commit.
            var seen = (await _client.InspectAsync(key, cancellationToken).ConfigureAwait(false)).Version;
            // In observe mode a stale expected version is written anyway: the store refuses it, the client applies it.
            if (seen != expectedVersion && (Mode != CoherenceMode.Observe || seen < expectedVersion))
            {
                // The store renders the verdict (VersionConflict or ExpectedVersionAhead, with its data); it
                // cannot land, because the version cannot move while the grant is held (and if it did, the
                // effect undoes it).
                await _agent.WriteCasAsync(key, content, expectedVersion, _ => throw Impossible(resolved.Name, expectedVersion, seen), cancellationToken).ConfigureAwait(false);
                throw Impossible(resolved.Name, expectedVersion, seen);
            }

            var disk = await CheckDiskUnderGrantAsync(resolved, key, cancellationToken).ConfigureAwait(false);
            return await CommitFileAsync(
                resolved,
                disk,
                content,
                async effect => (await _agent.WriteCasAsync(key, content, expectedVersion, effect, cancellationToken).ConfigureAwait(false)).Version).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Read-modify-write of a managed file: read, take the grant, compute <paramref name="update"/> from the
    /// file's content (null when it does not exist), then commit and rename the file in one atomic store step,
    /// release. Retries with jittered back-off while peers hold the file or commit first, for up to
    /// <see cref="VolumeOptions.UpdateTimeout"/>. The function may run more than once and must be free of side effects.
    /// </summary>
    /// <exception cref="HeldByOtherException">Peers kept the file busy through the whole timeout (the last refusal).</exception>
    /// <exception cref="StaleViewException">Peers kept committing first through the whole timeout (the last refusal).</exception>
    /// <exception cref="StaleEpochException">This agent's grant was reclaimed while <paramref name="update"/> ran (it stalled past the sweep's limits); nothing was written.</exception>
    /// <exception cref="ForeignEditException">The file on disk differs from the recorded version.</exception>
    /// <exception cref="IOException">The file could not be written; nothing was committed.</exception>
    /// <exception cref="UnsafePathException">The path escapes the root or points into <c>.coherence/</c>.</exception>
    /// <exception cref="ArgumentException">The path is not managed.</exception>
    public async ValueTask<VolumeFile> UpdateAsync(string path, Func<string?, string> update, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(update);
        ThrowIfDisposed();
        var resolved = RequireManaged(path);
        var key = Key(resolved);
        var started = _client.Time.GetTimestamp();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                try
                {
                    await ReadManagedAsync(resolved, cancellationToken).ConfigureAwait(false);
                }
                catch (ArtifactNotFoundException)
                {
                    // Creating needs no prior view.
                }

                var grant = await _agent.AcquireAsync(key, cancellationToken).ConfigureAwait(false);
                await using (grant.ConfigureAwait(false))
                {
                    var disk = await CheckDiskUnderGrantAsync(resolved, key, cancellationToken).ConfigureAwait(false);
                    var next = update(disk.Bytes is null ? null : AtomicFile.Utf8.GetString(disk.Bytes));
                    return await CommitUnderGrantAsync(resolved, disk, grant, next, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (CoherenceException ex) when (ex is HeldByOtherException or StaleViewException
                && _client.Time.GetElapsedTime(started) < _options.UpdateTimeout)
            {
                await Task.Delay(Backoff(attempt), _client.Time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Lands several managed files all or none: takes every grant (in sorted path order), checks each
    /// file's expected version and disk content, stages every file, then commits them and renames every
    /// file in one atomic store step. A rename that fails puts back the files already renamed and the step
    /// is undone. The expected versions are the guard: no prior read is needed.
    /// </summary>
    /// <exception cref="BatchConflictException">A member's expected version is not current, or this agent's grants were reclaimed while it published; nothing was written.</exception>
    /// <exception cref="StaleViewException">A peer committed a member between the refresh and the grant; nothing was written, retry.</exception>
    /// <exception cref="HeldByOtherException">A peer is writing a member; nothing was written.</exception>
    /// <exception cref="ForeignEditException">A member on disk differs from the recorded version; nothing was written.</exception>
    /// <exception cref="IOException">A member could not be written; nothing was written or committed.</exception>
    /// <exception cref="UnsafePathException">A path escapes the root or points into <c>.coherence/</c>.</exception>
    /// <exception cref="ArgumentException">A path is not managed, or appears twice.</exception>
    public async ValueTask<IReadOnlyList<VolumeFile>> PublishAsync(IEnumerable<VolumePublishItem> items, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        ThrowIfDisposed();
        var members = items.Select(i => (Item: i, Path: RequireManaged(i.Path))).ToList();
        if (members.Select(m => m.Path.Name).Distinct(StringComparer.Ordinal).Count() != members.Count)
        {
            throw new ArgumentException("A file appears more than once in the publish.", nameof(items));
        }

        var sorted = members.OrderBy(m => m.Path.Name, StringComparer.Ordinal).ToList();
        var grants = new List<CoherenceGrant>(sorted.Count);
        try
        {
            foreach (var member in sorted)
            {
                // The expected versions are the guard (compare-and-set), so the view is refreshed first:
                // a member that moved is a conflict in the report, not a stale view.
                try
                {
                    await _agent.ReacquireAsync(Key(member.Path), cancellationToken).ConfigureAwait(false);
                }
                catch (ArtifactNotFoundException)
                {
                    // Creating needs no prior view.
                }

                grants.Add(await _agent.AcquireAsync(Key(member.Path), cancellationToken).ConfigureAwait(false));
            }

            // While every grant is held no version can move, so this check stays true until the commit.
            var versionsMatch = true;
            var disks = new Dictionary<string, DiskState>(StringComparer.Ordinal);
            foreach (var member in sorted)
            {
                var status = await _client.InspectAsync(Key(member.Path), cancellationToken).ConfigureAwait(false);
                versionsMatch &= status.Version == member.Item.ExpectedVersion;
                disks[member.Path.Name] = await CheckDiskUnderGrantAsync(member.Path, Key(member.Path), cancellationToken).ConfigureAwait(false);
            }

            var batch = members.Select(m => new PublishItem(Key(m.Path), m.Item.Content, m.Item.ExpectedVersion)).ToList();
            if (!versionsMatch)
            {
                // The store renders the verdict (a typed per-member conflict report); it cannot land, because
                // versions cannot move while the grants are held (and if it did, the effect undoes it).
                await _agent.PublishAsync(batch, _ => throw new InvalidOperationException("The store accepted a publish whose expected versions the volume saw as stale."), cancellationToken).ConfigureAwait(false);
                throw new InvalidOperationException("The store accepted a publish whose expected versions the volume saw as stale.");
            }

            var staged = new List<StagedFile>(sorted.Count);
            try
            {
                foreach (var member in sorted)
                {
                    var bytes = AtomicFile.Utf8.GetBytes(member.Item.Content);
                    staged.Add(StagedFile.Stage(member.Path, bytes, AtomicFile.Hash(bytes)!, disks[member.Path.Name], _intents));
                }
            }
            catch
            {
                staged.ForEach(s => s.Done());
                throw;
            }

            var views = await StepAsync(staged, effect => _agent.PublishAsync(batch, _ => effect(), cancellationToken)).ConfigureAwait(false);
            return members.Select((m, i) => new VolumeFile(m.Path.Name, m.Item.Content, views[i].Version)).ToList();
        }
        finally
        {
            foreach (var grant in grants)
            {
                await grant.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Adopts what is on disk as a new version of a managed file (a deleted file becomes a delete): the
    /// explicit answer to a <see cref="ForeignEditException"/>. Returns the new version.
    /// </summary>
    /// <exception cref="HeldByOtherException">A peer is writing the file right now; retry.</exception>
    /// <exception cref="ArtifactNotFoundException">The file exists neither on disk nor in the store.</exception>
    /// <exception cref="UnsafePathException">The path escapes the root or points into <c>.coherence/</c>.</exception>
    /// <exception cref="ArgumentException">The path is not managed.</exception>
    public async ValueTask<long> AdoptAsync(string path, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var resolved = RequireManaged(path);
        var key = Key(resolved);
        var grant = await RefreshThenAcquireAsync(key, cancellationToken).ConfigureAwait(false);
        await using (grant.ConfigureAwait(false))
        {
            var disk = AtomicFile.TryRead(resolved.FullPath);
            if (disk is not null)
            {
                return await grant.CommitAsync(AtomicFile.Utf8.GetString(disk), cancellationToken).ConfigureAwait(false);
            }

            var status = await _client.InspectAsync(key, cancellationToken).ConfigureAwait(false);
            if (status.Exists)
            {
                return await grant.DeleteAsync(cancellationToken).ConfigureAwait(false);
            }

            // Neither on disk nor live in the store: the read reports it.
            await _agent.ReacquireAsync(key, cancellationToken).ConfigureAwait(false);
            return status.Version;
        }
    }

    // Brings the view up to date (a file that exists nowhere needs none: acquiring creates), then takes the grant.
    private async ValueTask<CoherenceGrant> RefreshThenAcquireAsync(ArtifactKey key, CancellationToken cancellationToken)
    {
        try
        {
            await _agent.ReacquireAsync(key, cancellationToken).ConfigureAwait(false);
        }
        catch (ArtifactNotFoundException)
        {
        }

        return await _agent.AcquireAsync(key, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Leaves cleanly: releases this agent's grants and drops its entries; closes the store it owns.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _client.DisposeAsync().ConfigureAwait(false);
        if (_ownedStore is not null)
        {
            await _ownedStore.DisposeAsync().ConfigureAwait(false);
        }
    }

    internal static Matcher CreateMatcher(IEnumerable<string> globs)
    {
        var matcher = new Matcher(StringComparison.Ordinal);
        foreach (var glob in globs)
        {
            matcher.AddInclude(glob);
        }

        matcher.AddExclude(StateDirectoryName + "/**");
        matcher.AddExclude("**/*" + AtomicFile.TempSuffix);
        return matcher;
    }

    /// <summary>The files under <paramref name="root"/> matching <paramref name="matcher"/>, outside the state directory, sorted.</summary>
    internal static IReadOnlyList<string> EnumerateManaged(string root, Matcher matcher) =>
        Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint })
            .Select(f => Path.GetRelativePath(root, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(name => matcher.Match(name).HasMatches)
            .Order(StringComparer.Ordinal)
            .ToList();

    private static ValueTask<SqliteDirectoryStore> OpenDefaultStoreAsync(string stateDirectory, CancellationToken cancellationToken)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(stateDirectory);
        }
        else
        {
            Directory.CreateDirectory(stateDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return SqliteDirectoryStore.OpenAsync(new SqliteStoreOptions { Path = Path.Combine(stateDirectory, DatabaseFileName) }, cancellationToken: cancellationToken);
    }

    private static TimeSpan Backoff(int attempt)
    {
        var ceiling = Math.Min(100, 2 << Math.Min(attempt, 6));
        return TimeSpan.FromMilliseconds(1 + Random.Shared.Next(ceiling));
    }

    private static ArtifactKey Key(ResolvedPath path) => new(Namespace, path.Name);

    private bool IsManaged(ResolvedPath path) => _managed.Match(path.Name).HasMatches;

    private ResolvedPath RequireManaged(string path)
    {
        var resolved = _paths.Resolve(path);
        return IsManaged(resolved)
            ? resolved
            : throw new ArgumentException($"'{resolved.Name}' is not managed by this volume (managed: {string.Join(", ", _options.Managed)}).", nameof(path));
    }

    private async ValueTask<VolumeFile> ReadManagedAsync(ResolvedPath path, CancellationToken cancellationToken)
    {
        var key = Key(path);
        var started = _client.Time.GetTimestamp();
        var lastSeen = -1L;
        while (true)
        {
            ArtifactView view;
            try
            {
                view = await _agent.ReacquireAsync(key, cancellationToken).ConfigureAwait(false);
            }
            catch (ArtifactNotFoundException missing)
            {
                var untracked = AtomicFile.TryRead(path.FullPath);
                if (untracked is null)
                {
                    throw;
                }

                if (await TryRepairAsync(path, key, AtomicFile.Hash(untracked), cancellationToken).ConfigureAwait(false))
                {
                    continue;
                }

                if (missing.TombstoneVersion != 0)
                {
                    throw new ForeignEditException(path.Name, null, AtomicFile.Hash(untracked));
                }

                await AdoptUntrackedAsync(key, untracked, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var disk = AtomicFile.TryRead(path.FullPath);
            var actual = AtomicFile.Hash(disk);
            if (actual == view.ContentHash)
            {
                return new VolumeFile(path.Name, AtomicFile.Utf8.GetString(disk!), view.Version);
            }

            // A writer that died between its rename and its commit: put the committed bytes back, read again.
            if (await TryRepairAsync(path, key, actual, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            // A peer's write may have landed between the two reads, or be in its step (file renamed, commit not
            // yet visible to this process's snapshot): wait while the store shows either, then report what remains.
            var status = await _client.InspectAsync(key, cancellationToken).ConfigureAwait(false);
            // The wait restarts whenever the store moved, so a busy file is not mistaken for a foreign edit.
            var peerActive = status.IsTracked && (status.Version != view.Version || (status.GrantHolder is { } holder && holder != _agent.Id));
            if (status.IsTracked && status.Version != lastSeen)
            {
                lastSeen = status.Version;
                started = _client.Time.GetTimestamp();
            }

            if (!peerActive || _client.Time.GetElapsedTime(started) >= _options.InFlightWait)
            {
                throw new ForeignEditException(path.Name, view.ContentHash, actual);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(5), _client.Time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A managed file the store never saw becomes version 1; losing that race to a peer is fine.</summary>
    private async ValueTask AdoptUntrackedAsync(ArtifactKey key, byte[] content, CancellationToken cancellationToken)
    {
        try
        {
            await _agent.WriteCasAsync(key, AtomicFile.Utf8.GetString(content), 0, cancellationToken).ConfigureAwait(false);
        }
        catch (CoherenceException ex) when (ex is VersionConflictException or HeldByOtherException)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(5), _client.Time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Under the grant: the disk must hold exactly the recorded version (a writer's crash leftover is put back
    /// first). Returns the disk's bytes with the version and hash they match.
    /// </summary>
    private async ValueTask<DiskState> CheckDiskUnderGrantAsync(ResolvedPath path, ArtifactKey key, CancellationToken cancellationToken)
    {
        for (var repaired = false; ; repaired = true)
        {
            var status = await _client.InspectAsync(key, cancellationToken).ConfigureAwait(false);
            var expected = status.Exists ? status.ContentHash : null;
            var disk = AtomicFile.TryRead(path.FullPath);
            var actual = AtomicFile.Hash(disk);
            if (actual == expected)
            {
                return new DiskState(disk, status.Version, expected);
            }

            if (repaired || !await TryRepairAsync(path, key, actual, cancellationToken).ConfigureAwait(false))
            {
                throw new ForeignEditException(path.Name, expected, actual);
            }
        }
    }

    private ValueTask<VolumeFile> CommitUnderGrantAsync(ResolvedPath path, DiskState disk, CoherenceGrant grant, string content, CancellationToken cancellationToken) =>
        CommitFileAsync(path, disk, content, effect => grant.CommitAsync(content, effect, cancellationToken));

    /// <summary>One managed file: staged, then committed and renamed into place in one store step.</summary>
    private async ValueTask<VolumeFile> CommitFileAsync(ResolvedPath path, DiskState disk, string content, Func<Action<long>, ValueTask<long>> commit)
    {
        var bytes = AtomicFile.Utf8.GetBytes(content);
        var staged = StagedFile.Stage(path, bytes, AtomicFile.Hash(bytes)!, disk, _intents);
        var version = await StepAsync([staged], effect => commit(_ => effect())).ConfigureAwait(false);
        return new VolumeFile(path.Name, content, version);
    }

    /// <summary>
    /// Runs the store step that renames the staged files (in order) when the store accepts; a rename that fails
    /// puts back the ones before it, and the step is undone. Afterwards the intents are settled: done when the
    /// step landed or the disk is known to be as before; otherwise a file left ahead of the store is put back.
    /// </summary>
    private async ValueTask<T> StepAsync<T>(List<StagedFile> staged, Func<Action, ValueTask<T>> step)
    {
        T result;
        try
        {
            BeforeStoreStep?.Invoke();
            result = await step(() => ApplyAll(staged)).ConfigureAwait(false);
        }
        catch
        {
            await SettleAsync(staged).ConfigureAwait(false);
            throw;
        }

        staged.ForEach(s => s.Done());
        return result;
    }

    // Inside the store's step: every rename, or none.
    private static void ApplyAll(List<StagedFile> staged)
    {
        var applied = 0;
        try
        {
            foreach (var file in staged)
            {
                file.Apply();
                applied++;
            }
        }
        catch
        {
            for (var i = applied - 1; i >= 0; i--)
            {
                try
                {
                    staged[i].Undo();
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // The step is undone anyway; the file left ahead of the store keeps its intent and is put back
                    // from the committed bytes (SettleAsync, or the next read).
                }
            }

            throw;
        }
    }

    /// <summary>
    /// After a step that did not land (refused, undone, or of unknown outcome): a file the disk holds ahead of
    /// the store (renamed by an attempt whose commit failed, or not put back by an undo) is repaired from the
    /// committed bytes; every other intent is done. A repair that cannot run now leaves its intent for the next
    /// read or write.
    /// </summary>
    private async ValueTask SettleAsync(List<StagedFile> staged)
    {
        foreach (var file in staged)
        {
            file.DeleteTemp();
            if (Directory.Exists(file.Target.FullPath))
            {
                // Something else took the path (the rename's failure): nothing of this write is there.
                file.Done();
                continue;
            }

            try
            {
                var actual = AtomicFile.Hash(AtomicFile.TryRead(file.Target.FullPath));
                if (actual != file.Hash || actual == file.Before.Hash
                    || await TryRepairAsync(file.Target, Key(file.Target), actual, CancellationToken.None).ConfigureAwait(false))
                {
                    file.Done();
                }
            }
            catch (Exception ex) when (ex is CoherenceFaultException or IOException or UnauthorizedAccessException or ObjectDisposedException)
            {
                // Unreadable now, or the store is out of reach: left for the next read or write of the file.
            }
        }
    }

    /// <summary>
    /// A file whose hash (<paramref name="actual"/>) differs from the record may be what a writer left when it
    /// died between renaming the file into place and committing. Inside a store step that keeps every writer out
    /// (so no writer is between its rename and its commit), the difference is checked again and, when a pending
    /// intent explains it (its new hash is on disk, its base version is still the store's), the committed bytes
    /// are put back. True when the disk now matches the store; false for a foreign edit.
    /// </summary>
    private async ValueTask<bool> TryRepairAsync(ResolvedPath path, ArtifactKey key, string? actual, CancellationToken cancellationToken)
    {
        // Cheap first look, outside the step: with no intent naming what is on disk, it is a foreign edit.
        if (actual is null || !_intents.Pending(path.Name).Any(i => i.NewHash == actual))
        {
            return false;
        }

        return await _client.InspectAtomicallyAsync(key, status => RepairInsideStep(path, status), cancellationToken).ConfigureAwait(false);
    }

    private bool RepairInsideStep(ResolvedPath path, ArtifactStatus status)
    {
        var expected = status.Exists ? status.ContentHash : null;
        var version = status.Version;
        var actual = AtomicFile.Hash(AtomicFile.TryRead(path.FullPath));
        var pending = _intents.Pending(path.Name);

        // Intents built on an older version are finished: their write landed, or was refused.
        foreach (var stale in pending.Where(i => i.BaseVersion < version))
        {
            WriteIntents.Remove(stale);
        }

        if (actual == expected)
        {
            return true;
        }

        var leftover = pending.FirstOrDefault(i => i.NewHash == actual && i.BaseVersion == version && i.BaseHash == expected);
        if (leftover is null)
        {
            return false;
        }

        if (expected is null)
        {
            File.Delete(path.FullPath);
        }
        else if (status.Content?.ToArray() is { } committed && AtomicFile.Hash(committed) == expected)
        {
            AtomicFile.Replace(path.FullPath, committed);
        }
        else
        {
            // The store holds only the hash: there is nothing to put back.
            return false;
        }

        foreach (var intent in pending.Where(i => i.BaseVersion == version && i.NewHash == actual))
        {
            WriteIntents.Remove(intent);
        }

        return true;
    }

    private static InvalidOperationException Impossible(string path, long expectedVersion, long seen) =>
        new($"The store accepted expected version v{expectedVersion} of '{path}' while the volume saw v{seen}.");

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
}

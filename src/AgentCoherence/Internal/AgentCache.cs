namespace AgentCoherence.Internal;

/// <summary>
/// One agent's local copies and what its signals said, under one lock. Two rules keep it coherent
/// when replies and signals race: a signal is identified by key, kind, version and owner epoch (so a
/// second reclaim at the same version is not a duplicate), and a copy fetched while a signal for a
/// newer version or owner epoch of its key arrived is stored invalid, so it is never served as current.
/// </summary>
internal sealed class AgentCache
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ArtifactKey, Entry> _entries = new();
    private readonly Dictionary<ArtifactKey, Mark> _signalled = new();
    private readonly CacheStrategy _strategy;
    private readonly CacheOptions _options;
    private readonly TimeProvider _time;
    private readonly ClientGuards _guards;

    public AgentCache(CacheStrategy strategy, CacheOptions options, TimeProvider time, ClientGuards guards = ClientGuards.All)
    {
        _strategy = strategy;
        _options = options;
        _time = time;
        _guards = guards;
    }

    /// <summary>What applying a signal did.</summary>
    public enum SignalEffect
    {
        /// <summary>A duplicate, or older than what was already signalled: dropped.</summary>
        Dropped,

        /// <summary>First delivery: recorded, the copy (if any) invalidated.</summary>
        Applied,

        /// <summary>First delivery of a commit that invalidated a copy an eager agent keeps fresh: fetch it again.</summary>
        AppliedRefresh,
    }

    /// <summary>The copy, when it is valid under the strategy (a hit), else null.</summary>
    public ArtifactView? TryHit(ArtifactKey key)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out var entry) || !Hits(entry))
            {
                return null;
            }

            entry.HitsSinceValidation++;
            return entry.View;
        }
    }

    /// <summary>What the cache holds for a key and what its signals said, without counting a hit: for the client model checker.</summary>
    public Snapshot Inspect(ArtifactKey key)
    {
        lock (_gate)
        {
            var held = _entries.TryGetValue(key, out var entry);
            var marked = _signalled.TryGetValue(key, out var mark);
            return new Snapshot(
                held ? entry!.View : null,
                held && entry!.Valid,
                held && Hits(entry!),
                held ? entry!.OwnerEpoch : -1,
                held ? entry!.HitsSinceValidation : 0,
                held ? _time.GetElapsedTime(entry!.ValidatedAt) : TimeSpan.Zero,
                marked ? mark.Version : -1,
                marked ? mark.Epoch : -1,
                marked ? mark.Kinds : 0);
        }
    }

    /// <summary>The version of the copy held (valid or not), or -1: what a fetch tells the store it already has.</summary>
    public long KnownVersion(ArtifactKey key)
    {
        lock (_gate)
        {
            return _entries.TryGetValue(key, out var entry) ? entry.View.Version : -1;
        }
    }

    /// <summary>
    /// The store said the version has not moved from the copy's: the copy is current again (unless a
    /// signal for something newer arrived meanwhile). Null when there is no copy of that version any more.
    /// </summary>
    public ArtifactView? Revalidate(ArtifactKey key, long version, long ownerEpoch)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out var entry) || entry.View.Version != version)
            {
                return null;
            }

            entry.Valid = !SignalledPast(key, version, ownerEpoch) || !On(ClientGuards.FetchRaceCheck);
            entry.OwnerEpoch = Math.Max(entry.OwnerEpoch, ownerEpoch);
            entry.ValidatedAt = _time.GetTimestamp();
            entry.HitsSinceValidation = 0;
            return entry.View;
        }
    }

    /// <summary>Keeps a copy fetched from the store at <paramref name="ownerEpoch"/>; never replaces a newer copy.</summary>
    public void StoreFetched(ArtifactView view, long ownerEpoch)
    {
        lock (_gate)
        {
            Put(view, ownerEpoch, valid: !SignalledPast(view.Key, view.Version, ownerEpoch) || !On(ClientGuards.FetchRaceCheck));
        }
    }

    /// <summary>Keeps the copy this agent just committed.</summary>
    public void StoreCommitted(ArtifactView view)
    {
        lock (_gate)
        {
            Put(view, ownerEpoch: -1, valid: !SignalledPast(view.Key, view.Version, -1));
        }
    }

    /// <summary>Drops the copy of a key.</summary>
    public void Remove(ArtifactKey key)
    {
        lock (_gate)
        {
            _entries.Remove(key);
        }
    }

    /// <summary>Marks a copy invalid, so the next read re-validates it with the store.</summary>
    public void Invalidate(ArtifactKey key)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var entry))
            {
                entry.Valid = false;
            }
        }
    }

    /// <summary>Marks every copy invalid.</summary>
    public void InvalidateAll()
    {
        lock (_gate)
        {
            foreach (var entry in _entries.Values)
            {
                entry.Valid = false;
            }
        }
    }

    /// <summary>Applies a signal: once per identity (key, kind, version, epoch), never older than what was signalled.</summary>
    public SignalEffect OnSignal(InvalidationSignal signal)
    {
        lock (_gate)
        {
            var bit = 1 << (int)signal.Kind;
            if (_signalled.TryGetValue(signal.Key, out var mark))
            {
                var order = On(ClientGuards.SignalEpochIdentity)
                    ? Compare(signal.NewVersion, signal.OwnerEpoch, mark.Version, mark.Epoch)
                    : signal.NewVersion.CompareTo(mark.Version);
                if (order < 0 || (order == 0 && (mark.Kinds & bit) != 0))
                {
                    return SignalEffect.Dropped;
                }

                _signalled[signal.Key] = order == 0 ? mark with { Kinds = mark.Kinds | bit } : new Mark(signal.NewVersion, signal.OwnerEpoch, bit);
            }
            else
            {
                _signalled[signal.Key] = new Mark(signal.NewVersion, signal.OwnerEpoch, bit);
            }

            var refresh = false;
            if (_entries.TryGetValue(signal.Key, out var entry) && (signal.NewVersion > entry.View.Version || signal.Kind == SignalKind.Reclaim))
            {
                entry.Valid = false;
                refresh = signal.Kind == SignalKind.Commit && _strategy is CacheStrategy.Eager or CacheStrategy.Broadcast;
            }

            if (signal.Kind == SignalKind.Delete)
            {
                _entries.Remove(signal.Key);
            }

            return refresh ? SignalEffect.AppliedRefresh : SignalEffect.Applied;
        }
    }

    private bool On(ClientGuards guard) => (_guards & guard) == guard;

    // Caller holds _gate.
    private bool Hits(Entry entry) =>
        entry.Valid && _strategy switch
        {
            CacheStrategy.Lease => _time.GetElapsedTime(entry.ValidatedAt) < _options.LeaseTtl,
            CacheStrategy.AccessCount => entry.HitsSinceValidation < _options.AccessCount,
            _ => true,
        };

    // Versions and owner epochs never decrease at the store, so the (version, epoch) pairs of one key's
    // signals form a chain: ordered by version, then epoch.
    private static int Compare(long version, long epoch, long otherVersion, long otherEpoch) =>
        version != otherVersion ? version.CompareTo(otherVersion) : epoch.CompareTo(otherEpoch);

    // Caller holds _gate. A signal for a newer version, or a newer owner epoch (a reclaim), of the key
    // arrived: a copy read before it must not be served as current. An epoch of -1 is unknown: the copy is
    // this agent's own commit, whose reply does not carry the epoch. No peer signals an agent its own
    // version, so a signal at that version is a reclaim of the grant it committed under, after the commit:
    // the copy is older than it (the reclaim signal can overtake the commit's reply).
    private bool SignalledPast(ArtifactKey key, long version, long ownerEpoch) =>
        _signalled.TryGetValue(key, out var mark)
        && (mark.Version > version || (ownerEpoch >= 0 ? mark.Epoch > ownerEpoch : mark.Version == version));

    // Caller holds _gate.
    private void Put(ArtifactView view, long ownerEpoch, bool valid)
    {
        if (_entries.TryGetValue(view.Key, out var existing) && existing.View.Version > view.Version)
        {
            return;
        }

        _entries[view.Key] = new Entry(view, _time.GetTimestamp()) { Valid = valid, OwnerEpoch = ownerEpoch };
    }

    private readonly record struct Mark(long Version, long Epoch, int Kinds);

    /// <summary>
    /// One key's copy and signal mark. <see cref="View"/> is null when no copy is held; <see cref="Hits"/> says
    /// whether a read now would be served from it; the mark fields are -1 (and no kinds) when no signal arrived.
    /// </summary>
    public readonly record struct Snapshot(
        ArtifactView? View,
        bool Valid,
        bool Hits,
        long OwnerEpoch,
        int HitsSinceValidation,
        TimeSpan SinceValidation,
        long SignalledVersion,
        long SignalledEpoch,
        int SignalledKinds);

    private sealed class Entry(ArtifactView view, long validatedAt)
    {
        public ArtifactView View { get; } = view;

        public bool Valid { get; set; } = true;

        public long OwnerEpoch { get; set; }

        public long ValidatedAt { get; set; } = validatedAt;

        public int HitsSinceValidation { get; set; }
    }
}

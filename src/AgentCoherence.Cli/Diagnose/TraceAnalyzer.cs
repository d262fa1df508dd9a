using AgentCoherence.Recording;
using AgentCoherence.Signals;

namespace AgentCoherence.Cli.Diagnose;

/// <summary>
/// Reads a merged recording (<see cref="RecordingReader.ReadMergedAsync"/>) and finds what coherence would have
/// prevented or did prevent. See docs/diagnose.md for the definitions; in short:
/// <list type="bullet">
/// <item>versions move up by one per landed write, so a write producing version N replaced version N−1; when it was
/// computed from an older version B (its view, expected version, or for an override the refusal before it) the
/// versions B+1..N−1 are lost: a silent overwrite;</item>
/// <item>a cache hit is divergent when a newer version had landed (a write, read, refusal or signal showed it,
/// completed) before the hit started;</item>
/// <item>a refused write followed by an override of the same agent and artifact is a would-be refusal (observe mode);
/// a refusal that stands is one coherence prevented.</item>
/// </list>
/// </summary>
internal static class TraceAnalyzer
{
    public static DiagnoseReport Analyze(IReadOnlyList<RecordingEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        return new Pass(entries).Run();
    }

    /// <summary>The artifact's name as people write it (<c>plans/plan.md</c>, or <c>ns/name</c> outside the default namespace).</summary>
    public static string DisplayKey(string storeKey)
    {
        try
        {
            return ArtifactKey.FromStoreKey(storeKey).ToString();
        }
        catch (CoherenceArgumentException)
        {
            return storeKey;
        }
    }

    private static bool IsWrite(RecordingOperation op) =>
        op is RecordingOperation.Commit or RecordingOperation.CommitCas or RecordingOperation.Delete or RecordingOperation.DeleteCas or RecordingOperation.CommitAll;

    private sealed class KeyState(string key)
    {
        public string Key { get; } = key;

        public long Known { get; set; }

        public Dictionary<long, VersionInfo> Versions { get; } = [];

        public Dictionary<long, DateTimeOffset> FirstSeen { get; } = [];

        /// <summary>Each landed version's basis: the version it was computed from.</summary>
        public Dictionary<long, long> Parents { get; } = [];

        public long LatestWritten { get; set; }

        public long Operations { get; set; }

        public long Reads { get; set; }

        public long Writes { get; set; }

        public List<string> Writers { get; } = [];

        public SortedDictionary<string, int> Refusals { get; } = new(StringComparer.Ordinal);

        public int Overrides { get; set; }

        public int SilentOverwrites { get; set; }

        public int DivergentReads { get; set; }

        public List<TimelinePoint> Timeline { get; } = [];
    }

    private sealed record VersionInfo(string? Writer, string? Hash, int? Tokens, long? Size, DateTimeOffset Landed, bool Tombstone);

    private sealed class Pending(DivergentRead read, long target)
    {
        public DivergentRead Read { get; set; } = read;

        public long Target { get; } = target;

        public bool Open { get; set; } = true;
    }

    private sealed class Pass(IReadOnlyList<RecordingEntry> entries)
    {
        private readonly Dictionary<string, KeyState> _keys = new(StringComparer.Ordinal);
        private readonly Dictionary<(string Agent, string Key), long> _views = [];
        private readonly Dictionary<(string Agent, string Key), List<Pending>> _pending = [];
        private readonly Dictionary<(string Agent, string Key), List<int>> _openRefusals = [];
        private readonly PriorityQueue<(string Key, long Version, DateTimeOffset At), DateTimeOffset> _landing = new();
        private readonly List<Pending> _divergent = [];
        private readonly List<SilentOverwrite> _overwrites = [];
        private readonly List<RefusalFinding> _refusals = [];
        private readonly Dictionary<int, long?> _refusalBasis = [];
        private readonly Dictionary<int, string?> _refusalOperation = [];
        private readonly Dictionary<string, List<StalenessPoint>> _staleness = new(StringComparer.Ordinal);
        private readonly HashSet<string> _agents = new(StringComparer.Ordinal);
        private readonly HashSet<string> _processes = new(StringComparer.Ordinal);
        private long _reads, _hits, _revalidations, _writes, _signals, _signalTokens, _baseline, _coherent, _unknownSize;
        private bool _observe;
        private int _gaps;
        private long _dropped;
        private string? _firstGap;

        public DiagnoseReport Run()
        {
            DateTimeOffset? first = null, last = null;
            foreach (var e in entries)
            {
                first = first is null || e.Started < first ? e.Started : first;
                last = last is null || e.Completed > last ? e.Completed : last;
                if (e.Process is { } p) _processes.Add(p);
                if (e.Agent is { } a && e.Op != RecordingOperation.SignalDelivered) _agents.Add(a);
                Drain(e.Started);
                Step(e);
            }

            var end = last ?? default;
            var divergent = new List<DivergentRead>(_divergent.Count);
            foreach (var p in _divergent)
            {
                var d = p.Read;
                divergent.Add(d.CaughtUp is null ? d with { StaleFor = Positive(end - (d.NewerLanded ?? d.At)) } : d);
            }

            var refusals = _refusals;
            var summary = new DiagnoseSummary(
                entries.Count,
                _processes.Count,
                _agents.Count,
                _keys.Count,
                first,
                last,
                _observe,
                _writes,
                divergent.Count,
                _overwrites.Count,
                LostVersions(),
                refusals.Count(r => r.Overridden),
                refusals.Count(r => !r.Overridden),
                _gaps,
                _dropped,
                _firstGap);

            var artifacts = _keys.Values
                .Select(k => new ArtifactContention(k.Key, k.Operations, k.Reads, k.Writes, k.Writers, k.Refusals, k.Overrides, k.SilentOverwrites, k.DivergentReads, k.Known))
                .OrderByDescending(a => a.Operations).ThenByDescending(a => a.Refusals + a.SilentOverwrites).ThenBy(a => a.Key, StringComparer.Ordinal)
                .ToList();
            var tokens = new TokenFigures(_reads, _hits, _revalidations, _writes, _signals, _signalTokens, _baseline, _coherent, _coherent + _signalTokens, _unknownSize);
            var timelines = _keys.Values.Where(k => k.Timeline.Count > 0).OrderBy(k => k.Key, StringComparer.Ordinal)
                .Select(k => new ArtifactTimeline(k.Key, k.Timeline)).ToList();
            var staleness = _staleness.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => new AgentStaleness(s.Key, s.Value)).ToList();
            return new DiagnoseReport(summary, divergent, _overwrites, refusals, artifacts, tokens, timelines, staleness);
        }

        /// <summary>
        /// Versions whose work is gone: replaced by a silent overwrite, and not the basis of any version the artifact's
        /// latest version descends from (a replaced version another write built on survives in it).
        /// </summary>
        private int LostVersions()
        {
            var lost = 0;
            foreach (var group in _overwrites.GroupBy(o => o.Key, StringComparer.Ordinal))
            {
                var key = _keys[group.Key];
                var kept = new HashSet<long>();
                for (var v = key.LatestWritten; v > 0 && kept.Add(v);)
                {
                    v = key.Parents.TryGetValue(v, out var parent) ? parent : v - 1;
                }

                lost += group.SelectMany(o => o.Lost).Select(l => l.Version).Distinct().Count(v => !kept.Contains(v));
            }

            return lost;
        }

        private static TimeSpan Positive(TimeSpan t) => t < TimeSpan.Zero ? TimeSpan.Zero : t;

        private KeyState KeyOf(string storeKey)
        {
            var key = DisplayKey(storeKey);
            if (!_keys.TryGetValue(key, out var state))
            {
                state = new KeyState(key);
                _keys[key] = state;
            }

            return state;
        }

        // A version is known to have landed once an operation that showed it completed.
        private void Saw(KeyState key, long version, DateTimeOffset at)
        {
            if (!key.FirstSeen.TryGetValue(version, out var seen) || at < seen)
            {
                key.FirstSeen[version] = at;
            }

            _landing.Enqueue((key.Key, version, at), at);
        }

        private void Drain(DateTimeOffset now)
        {
            while (_landing.TryPeek(out var item, out var at) && at <= now)
            {
                _landing.Dequeue();
                var key = _keys[item.Key];
                key.Known = Math.Max(key.Known, item.Version);
            }
        }

        private void Step(RecordingEntry e)
        {
            if (e.Op == RecordingOperation.Gap)
            {
                _gaps++;
                _dropped += e.Dropped ?? 0;
                _firstGap ??= e.Source;
                return;
            }

            if (e.Op == RecordingOperation.SignalDelivered)
            {
                Signal(e);
                return;
            }

            if (e.Op == RecordingOperation.CommitAll)
            {
                Batch(e);
                return;
            }

            if (e.Key is null || e.Agent is null)
            {
                return;
            }

            var key = KeyOf(e.Key);
            key.Operations++;
            switch (e.Op)
            {
                case RecordingOperation.Read when e.Outcome == RecordingOutcome.Ok && e.Version is { } v:
                    Read(e, key, v);
                    break;
                case RecordingOperation.CacheHit when (e.View ?? e.Version) is { } served:
                    CacheHit(e, key, served);
                    break;
                case RecordingOperation.Acquire when e.Outcome == RecordingOutcome.Ok && e.Version is { } v:
                    Saw(key, v, e.Completed);
                    View(e.Agent, key, v, e.Completed);
                    break;
                case RecordingOperation.Override when e.Outcome == RecordingOutcome.Ok && e.Version is { } v:
                    _observe = true;
                    Override(e, key, v);
                    break;
                case var op when IsWrite(op) && e.Outcome == RecordingOutcome.Ok && e.Version is { } v:
                    Landed(e.Agent, key, v, e.View ?? e.Expected, e.Op is RecordingOperation.Delete or RecordingOperation.DeleteCas, e.Hash, e.Tokens, e.Size, e, isOverride: false, reason: null);
                    break;
                // A refused acquire is the refused start of a grant write (observe mode overrides after it).
                case var op when (IsWrite(op) || op == RecordingOperation.Acquire) && e.Outcome == RecordingOutcome.Refused:
                    Refused(e, key, e.Reason, e.CallerVersion ?? e.View ?? e.Expected, e.Version);
                    break;
            }
        }

        private void Read(RecordingEntry e, KeyState key, long version)
        {
            Saw(key, version, e.Completed);
            key.Reads++;
            _reads++;
            var size = ContentTokens(key, version, e.Tokens, e.Tombstone == true);
            _baseline += size ?? 0;
            if (e.ContentIncluded == false)
            {
                // A re-validation that found the view current is a hit: it pays 1 token, as in AgentStats.
                _revalidations++;
                _coherent += 1;
            }
            else
            {
                _coherent += size ?? 0;
            }

            if (size is null) _unknownSize++;
            Act(e.Agent!, key.Key, e.Started, 0);
            View(e.Agent!, key, version, e.Completed);
        }

        private void CacheHit(RecordingEntry e, KeyState key, long served)
        {
            key.Reads++;
            _reads++;
            _hits++;
            _coherent += 1; // a hit pays 1 token (AgentStats.TokensWithoutSignals)
            var size = ContentTokens(key, served, e.Tokens, e.Tombstone == true);
            _baseline += size ?? 0;
            if (size is null) _unknownSize++;
            var current = Math.Max(key.Known, served);
            Act(e.Agent!, key.Key, e.Started, current - served);
            if (current > served)
            {
                key.DivergentReads++;
                Diverged(e.Agent!, key, DivergenceKind.CacheHit, e.Started, served, current, e.Source);
            }

            View(e.Agent!, key, served, e.Completed);
        }

        private void Override(RecordingEntry e, KeyState key, long version)
        {
            key.Overrides++;
            var basis = e.View ?? e.Expected;
            RefusalReason? reason = e.Reason;
            var pair = (e.Agent!, key.Key);
            if (_openRefusals.TryGetValue(pair, out var open) && open.Count > 0)
            {
                // The refusal of the same write (same operation id) when both carry one, else the latest open one (the
                // client overrides right after the refusal, under a fresh operation id).
                var match = e.OperationId is null ? -1 : open.FindIndex(i => SameOperation(i, e.OperationId));
                var at = match >= 0 ? match : open.Count - 1;
                var index = open[at];
                open.RemoveAt(at);
                var refusal = _refusals[index];
                _refusals[index] = refusal with { Overridden = true, OverrideVersion = version };
                reason ??= refusal.Reason;
                basis ??= _refusalBasis.GetValueOrDefault(index);
            }
            else
            {
                // An override with no refusal recorded before it: still a write enforcement would have refused.
                _refusals.Add(new RefusalFinding(e.Agent!, key.Key, RecordingOperation.Override, e.Started, reason, basis, version - 1, null, true, version, e.Source));
            }

            Landed(e.Agent!, key, version, basis, e.Tombstone == true, e.Hash, e.Tokens, e.Size, e, isOverride: true, reason);
        }

        private bool SameOperation(int index, string operationId) =>
            _refusalOperation.GetValueOrDefault(index) is { } op && string.Equals(op, operationId, StringComparison.Ordinal);

        private void Refused(RecordingEntry e, KeyState key, RefusalReason? reason, long? basis, long? current)
        {
            if (current is { } c && c > 0)
            {
                Saw(key, c, e.Completed);
            }

            var name = reason?.ToString() ?? "Unknown";
            key.Refusals[name] = key.Refusals.GetValueOrDefault(name) + 1;
            key.Timeline.Add(new TimelinePoint(e.Started, current ?? key.Known, e.Agent!, TimelineEvent.Refusal, reason));
            var index = _refusals.Count;
            _refusals.Add(new RefusalFinding(e.Agent!, key.Key, e.Op, e.Started, reason, e.CallerVersion ?? basis, current, e.Holder, false, null, e.Source));
            _refusalBasis[index] = e.View ?? e.Expected ?? e.CallerVersion ?? basis;
            _refusalOperation[index] = e.OperationId;
            var pair = (e.Agent!, key.Key);
            if (!_openRefusals.TryGetValue(pair, out var open))
            {
                open = [];
                _openRefusals[pair] = open;
            }

            open.Add(index);
        }

        private void Batch(RecordingEntry e)
        {
            if (e.Agent is null || e.Members is null)
            {
                return;
            }

            foreach (var m in e.Members)
            {
                var key = KeyOf(m.Key);
                key.Operations++;
                if (e.Outcome == RecordingOutcome.Ok && m.Version is { } v)
                {
                    Landed(e.Agent, key, v, m.Expected, m.Hash is null && m.Size is null && m.Tokens is null, m.Hash, m.Tokens, m.Size, e, isOverride: false, reason: null);
                }
                else if (e.Outcome == RecordingOutcome.Refused && m.Reason is not null)
                {
                    Refused(e, key, m.Reason, m.Expected, m.Version);
                }
            }
        }

        private void Landed(string agent, KeyState key, long version, long? basis, bool tombstone, string? hash, int? tokens, long? size, RecordingEntry e, bool isOverride, RefusalReason? reason)
        {
            _writes++;
            key.Writes++;
            if (!key.Writers.Contains(agent)) key.Writers.Add(agent);
            _baseline += tokens ?? 0;
            _coherent += tokens ?? 0;
            key.Versions[version] = new VersionInfo(agent, hash, tokens, size, e.Completed, tombstone);
            key.Parents[version] = basis ?? version - 1;
            key.LatestWritten = Math.Max(key.LatestWritten, version);
            Saw(key, version, e.Completed);

            var before = version - 1;
            var stale = basis is { } b && b < before;
            Act(agent, key.Key, e.Started, stale ? before - basis!.Value : 0);
            key.Timeline.Add(new TimelinePoint(e.Completed, version, agent, isOverride ? TimelineEvent.Override : stale ? TimelineEvent.StaleWrite : TimelineEvent.Write, reason));
            if (stale)
            {
                var from = basis!.Value;
                var lost = new List<LostVersion>();
                for (var v = from + 1; v <= before; v++)
                {
                    var info = key.Versions.GetValueOrDefault(v);
                    DateTimeOffset? landed = info?.Landed ?? (key.FirstSeen.TryGetValue(v, out var seen) ? seen : null);
                    lost.Add(new LostVersion(v, info?.Writer, info?.Hash, info?.Tokens, info?.Size, landed));
                }

                key.SilentOverwrites++;
                _overwrites.Add(new SilentOverwrite(agent, key.Key, e.Started, from, version, isOverride, reason, hash, tokens, lost, e.Source));
                Diverged(agent, key, isOverride ? DivergenceKind.Override : DivergenceKind.Write, e.Started, from, before, e.Source);
            }

            View(agent, key, version, e.Completed);
        }

        private void Diverged(string agent, KeyState key, DivergenceKind kind, DateTimeOffset at, long actedOn, long current, string source)
        {
            DateTimeOffset? newer = null;
            foreach (var (v, seen) in key.FirstSeen)
            {
                if (v > actedOn && (newer is null || seen < newer)) newer = seen;
            }

            var pending = new Pending(new DivergentRead(agent, key.Key, kind, at, actedOn, current, newer, null, TimeSpan.Zero, source), current);
            _divergent.Add(pending);
            var pair = (agent, key.Key);
            if (!_pending.TryGetValue(pair, out var list))
            {
                list = [];
                _pending[pair] = list;
            }

            list.Add(pending);
        }

        private void View(string agent, KeyState key, long version, DateTimeOffset at)
        {
            var pair = (agent, key.Key);
            _views[pair] = version;
            if (!_pending.TryGetValue(pair, out var list))
            {
                return;
            }

            foreach (var p in list)
            {
                if (p.Open && version >= p.Target)
                {
                    p.Open = false;
                    p.Read = p.Read with { CaughtUp = at, StaleFor = Positive(at - (p.Read.NewerLanded ?? p.Read.At)) };
                }
            }

            list.RemoveAll(p => !p.Open);
        }

        private void Act(string agent, string key, DateTimeOffset at, long behind)
        {
            if (!_staleness.TryGetValue(agent, out var points))
            {
                points = [];
                _staleness[agent] = points;
            }

            points.Add(new StalenessPoint(at, key, behind));
        }

        private void Signal(RecordingEntry e)
        {
            if (e.Key is null || e.Agent is null || e.Version is not { } version)
            {
                return;
            }

            var key = KeyOf(e.Key);
            Saw(key, version, e.Completed);
            _signals++;
            try
            {
                var signal = new InvalidationSignal(ArtifactKey.FromStoreKey(e.Key), version, new AgentId(e.Issuer ?? "?"), e.SignalKind ?? SignalKind.Commit, new AgentId(e.Agent), e.OwnerEpoch ?? 0);
                SignalText.FormatWithTokens(signal, out var tokens);
                _signalTokens += tokens;
            }
            catch (CoherenceArgumentException)
            {
                // A key or agent the library would not accept: count the signal at the bound.
                _signalTokens += SignalText.MaxTokens;
            }
        }

        private static int? ContentTokens(KeyState key, long version, int? recorded, bool tombstone)
        {
            if (tombstone) return 0;
            if (recorded is { } r) return r;
            return key.Versions.TryGetValue(version, out var info) ? (info.Tombstone ? 0 : info.Tokens) : null;
        }
    }
}

using AgentCoherence.Recording;

namespace AgentCoherence.Testing;

/// <summary>
/// A scripted recording for replay and diagnose tests, until (and beside) real recordings: entries one after the
/// other 10 ms apart, or placed by hand to overlap. <see cref="Text"/> is the file's JSONL, <see cref="Read"/> the
/// entries as the reader merges them (with file and line).
/// </summary>
public sealed class RecordingScript
{
    /// <summary>The script's time zero.</summary>
    public static readonly DateTimeOffset T0 = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly List<RecordingEntry> _entries = [];
    private long _ms;

    /// <summary>The entries in file order.</summary>
    public IReadOnlyList<RecordingEntry> Entries => _entries;

    /// <summary>A store key for <paramref name="name"/> in the default namespace.</summary>
    public static string Key(string name) => ArtifactKey.Of(name).StoreKey;

    /// <summary>Appends an entry; unless it has times, it runs 10 ms after the previous one, for 5 ms.</summary>
    public RecordingEntry Add(RecordingEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Started == default)
        {
            _ms += 10;
            entry = entry with { Started = T0.AddMilliseconds(_ms), Completed = T0.AddMilliseconds(_ms + 5) };
        }

        entry = entry with { Seq = _entries.Count + 1 };
        _entries.Add(entry);
        return entry;
    }

    /// <summary>Appends an entry that runs from <paramref name="startMs"/> to <paramref name="endMs"/> after the previous sequential slot.</summary>
    public RecordingEntry AddAt(int startMs, int endMs, RecordingEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return Add(entry with { Started = T0.AddMilliseconds(_ms + startMs), Completed = T0.AddMilliseconds(_ms + endMs) });
    }

    /// <summary>Moves the sequential clock on (after hand-placed entries).</summary>
    public void Skip(int ms) => _ms += ms;

    /// <summary>Replaces entry <paramref name="index"/> (0-based, file order): how a test plants a violation.</summary>
    public void Edit(int index, Func<RecordingEntry, RecordingEntry> edit)
    {
        ArgumentNullException.ThrowIfNull(edit);
        _entries[index] = edit(_entries[index]);
    }

    /// <summary>Register.</summary>
    public RecordingEntry Register(string agent) => Add(new() { Op = RecordingOperation.Register, Agent = agent });

    /// <summary>A read that returned <paramref name="version"/> (0 and not found when <paramref name="notFound"/>).</summary>
    public RecordingEntry Read(string agent, string name, long version, bool notFound = false) => Add(new()
    {
        Op = RecordingOperation.Read,
        Agent = agent,
        Key = Key(name),
        Version = version,
        Outcome = notFound ? RecordingOutcome.Refused : RecordingOutcome.Ok,
        Reason = notFound ? RefusalReason.NotFound : null,
    });

    /// <summary>A CommitCas entry (not added): landed at <paramref name="version"/>, or refused with the current version.</summary>
    public static RecordingEntry Cas(string agent, string name, long expected, long version, RefusalReason? refused = null, string? operationId = null, params string[] told) => new()
    {
        Op = RecordingOperation.CommitCas,
        Agent = agent,
        Key = Key(name),
        Expected = expected,
        Version = version,
        OperationId = operationId ?? Guid.NewGuid().ToString("N"),
        Outcome = refused is null ? RecordingOutcome.Ok : RecordingOutcome.Refused,
        Reason = refused,
        Signals = refused is null ? told.Select(t => new RecordingSignal(Key(name), version, agent, SignalKind.Commit, t, 0)).ToList() : null,
    };

    /// <summary>Acquire, granted.</summary>
    public RecordingEntry Acquire(string agent, string name, long version) => Add(new()
    {
        Op = RecordingOperation.Acquire,
        Agent = agent,
        Key = Key(name),
        Version = version,
        OperationId = Guid.NewGuid().ToString("N"),
    });

    /// <summary>A commit under the grant that landed at <paramref name="version"/>, telling <paramref name="told"/>.</summary>
    public RecordingEntry Commit(string agent, string name, long version, params string[] told) => Add(new()
    {
        Op = RecordingOperation.Commit,
        Agent = agent,
        Key = Key(name),
        Version = version,
        OperationId = Guid.NewGuid().ToString("N"),
        Signals = told.Select(t => new RecordingSignal(Key(name), version, agent, SignalKind.Commit, t, 0)).ToList(),
    });

    /// <summary>A sweep that reclaimed <paramref name="holder"/>'s grant on <paramref name="name"/>, moving the epoch to <paramref name="epoch"/>.</summary>
    public RecordingEntry SweepReclaiming(string holder, string name, long version, long epoch) => Add(new()
    {
        Op = RecordingOperation.Sweep,
        HeartbeatTimeout = TimeSpan.FromMinutes(2),
        MaxHold = TimeSpan.FromMinutes(15),
        Pruned = 0,
        Signals = [new RecordingSignal(Key(name), version, "#sweeper", SignalKind.Reclaim, holder, epoch)],
    });

    /// <summary>The recording file's text: a header, then one line per entry, each ending with a newline.</summary>
    public string Text(string process = "host/1/script", int schemaVersion = RecordingFormat.SchemaVersion)
    {
        var lines = new List<string> { RecordingFormat.Serialize(new RecordingHeader { Process = process, Started = T0, Version = schemaVersion }) };
        lines.AddRange(_entries.Select(RecordingFormat.Serialize));
        return string.Join('\n', lines) + "\n";
    }

    /// <summary>The entries as the reader gives them: parsed from <see cref="Text"/> (so each names <paramref name="path"/> and its line) and merged by time.</summary>
    public IReadOnlyList<RecordingEntry> Read(string path = "script.jsonl")
    {
        var file = RecordingReader.Parse(Text(), path);
        return file.Entries.OrderBy(e => e.Started).ThenBy(e => e.Completed).ThenBy(e => e.Seq).ToList();
    }
}

using System.Security.Cryptography;
using System.Text;
using AgentCoherence.Recording;

namespace AgentCoherence.Cli.Tests.Diagnose;

/// <summary>
/// Writes a scripted recording line by line (header first, then entries through <see cref="RecordingFormat.Serialize(RecordingEntry)"/>),
/// one second apart, each call completing 100 ms after it starts. Versions are given by the script, as a store would return them.
/// </summary>
internal sealed class TraceBuilder
{
    public static readonly DateTimeOffset Start = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);

    private readonly List<RecordingEntry> _entries = [];
    private long _seq;
    private int _op;

    public TraceBuilder(string mode = "Observe") => Mode = mode;

    public string Mode { get; }

    public DateTimeOffset Now { get; private set; } = Start;

    public static string Key(string name) => ArtifactKey.Of(name).StoreKey;

    public static string Hash(string agent, long version) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{agent}/{version}")));

    public TraceBuilder Read(string agent, string name, long version, int tokens) =>
        Add(new RecordingEntry { Op = RecordingOperation.Read, Agent = agent, Key = Key(name), Version = version, ContentIncluded = true, Tokens = tokens, Size = tokens * 4L });

    /// <summary>A read that re-validated the agent's current view: no content moved.</summary>
    public TraceBuilder Revalidate(string agent, string name, long version) =>
        Add(new RecordingEntry { Op = RecordingOperation.Read, Agent = agent, Key = Key(name), Known = version, Version = version, ContentIncluded = false });

    public TraceBuilder Hit(string agent, string name, long view) =>
        Add(new RecordingEntry { Op = RecordingOperation.CacheHit, Agent = agent, Key = Key(name), View = view, Version = view });

    /// <summary>A compare-and-set write that landed: <paramref name="basedOn"/> is its expected version and the view it was computed from.</summary>
    public TraceBuilder Write(string agent, string name, long basedOn, long version, int tokens) =>
        Add(new RecordingEntry
        {
            Op = RecordingOperation.CommitCas, Agent = agent, Key = Key(name), OperationId = NextOperation(), Expected = basedOn, View = basedOn, Version = version,
            Hash = Hash(agent, version), Tokens = tokens, Size = tokens * 4L,
        });

    /// <summary>A grant commit that landed from a view the entry does not name (the analysis uses the agent's last read).</summary>
    public TraceBuilder Commit(string agent, string name, long version, int tokens) =>
        Add(new RecordingEntry { Op = RecordingOperation.Commit, Agent = agent, Key = Key(name), OperationId = NextOperation(), Version = version, Hash = Hash(agent, version), Tokens = tokens, Size = tokens * 4L });

    /// <summary>
    /// A refused compare-and-set write; with <paramref name="overrideVersion"/>, observe mode's override follows it (under a
    /// fresh operation id, as the client sends it).
    /// </summary>
    public TraceBuilder Refused(string agent, string name, RefusalReason reason, long caller, long current, long? overrideVersion = null, int tokens = 0)
    {
        var op = NextOperation();
        Add(new RecordingEntry
        {
            Op = RecordingOperation.CommitCas, Agent = agent, Key = Key(name), OperationId = op, Expected = caller, View = caller, Outcome = RecordingOutcome.Refused,
            Reason = reason, CallerVersion = caller, Version = current,
        });
        if (overrideVersion is { } v)
        {
            Add(new RecordingEntry
            {
                Op = RecordingOperation.Override, Agent = agent, Key = Key(name), OperationId = NextOperation(), View = caller, Version = v, Hash = Hash(agent, v), Tokens = tokens, Size = tokens * 4L,
            }, advance: false);
        }

        return this;
    }

    public TraceBuilder Signal(string recipient, string name, long version, string issuer) =>
        Add(new RecordingEntry { Op = RecordingOperation.SignalDelivered, Agent = recipient, Key = Key(name), Version = version, Issuer = issuer, SignalKind = SignalKind.Commit });

    public TraceBuilder Heartbeat(string agent) => Add(new RecordingEntry { Op = RecordingOperation.Heartbeat, Agent = agent });

    public string Text()
    {
        var text = new StringBuilder();
        text.Append(RecordingFormat.Serialize(new RecordingHeader { Process = "test-1", Started = Start, Mode = Mode, Store = "InMemoryDirectoryStore" })).Append('\n');
        foreach (var entry in _entries)
        {
            text.Append(RecordingFormat.Serialize(entry)).Append('\n');
        }

        return text.ToString();
    }

    public string WriteTo(string path)
    {
        File.WriteAllText(path, Text());
        return path;
    }

    private string NextOperation() => "op-" + (++_op).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private TraceBuilder Add(RecordingEntry entry, bool advance = true)
    {
        if (advance)
        {
            Now += TimeSpan.FromSeconds(1);
        }
        else
        {
            Now += TimeSpan.FromMilliseconds(200);
        }

        _entries.Add(entry with { Seq = ++_seq, Started = Now, Completed = Now + TimeSpan.FromMilliseconds(100) });
        return this;
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using AgentCoherence.Protocol;

namespace AgentCoherence.Redis.Tests.Jepsen;

/// <summary>How an append is written.</summary>
internal enum AppendPath
{
    /// <summary><see cref="CoherentAgent.UpdateAsync(ArtifactKey, Func{ArtifactView?, string}, CancellationToken)"/>: read, CAS, retry on conflicts.</summary>
    Update,

    /// <summary>Read, then <see cref="CoherentAgent.WriteAsync(ArtifactKey, string, CancellationToken)"/>: acquire, commit, release.</summary>
    Grant,
}

/// <summary>What the caller of one append was told.</summary>
internal enum Outcome
{
    /// <summary>Still running.</summary>
    Pending,

    /// <summary>Acknowledged at a version.</summary>
    Ok,

    /// <summary>A typed refusal (<see cref="CoherenceException"/>): it did not land.</summary>
    Refused,

    /// <summary>A store or transport failure that says nothing was applied (<see cref="StoreUnavailableException"/> and kin).</summary>
    Unavailable,

    /// <summary><see cref="OutcomeUnknownException"/>: may have landed; resolved afterwards with the same operation id.</summary>
    Unknown,

    /// <summary>Anything else: an exception that is not the library's own. Always a violation.</summary>
    Raw,
}

/// <summary>One append as its caller saw it: the unique token it adds as a line, and what came back.</summary>
internal sealed class Op(string agent, int seq, ArtifactKey key, AppendPath path, double startMs)
{
    public string Agent { get; } = agent;

    public int Seq { get; } = seq;

    public ArtifactKey Key { get; } = key;

    public AppendPath Path { get; } = path;

    /// <summary>The line this append adds: unique per agent and sequence number.</summary>
    public string Token { get; } = $"{agent}.{seq}";

    public double StartMs { get; } = startMs;

    public double EndMs { get; set; }

    public Outcome Outcome { get; set; }

    /// <summary>The acknowledged version (<see cref="Outcome.Ok"/>).</summary>
    public long Version { get; set; }

    /// <summary>The exception's type and message, for reports.</summary>
    public string? Detail { get; set; }

    /// <summary>The exception's type name (refusals and faults are counted by it).</summary>
    public string? ExceptionType { get; set; }

    public OutcomeUnknownException? UnknownException { get; set; }

    /// <summary>For <see cref="Outcome.Unknown"/>: what <see cref="CoherentAgent.ResolveAsync"/> answered; null while unresolved.</summary>
    public bool? ResolvedLanded { get; set; }

    public int ResolveAttempts { get; set; }

    public double? ResolvedAtMs { get; set; }

    /// <summary>The store calls the client retried during this append (operation, attempt, operation id).</summary>
    public ConcurrentQueue<string> Retries { get; } = new();

    /// <summary>A non-library exception from resolving or from the release after a resolved acquire.</summary>
    public string? AfterwardsRaw { get; set; }

    /// <summary>
    /// True when the append itself (not an acquire before it) was the write whose outcome was unknown:
    /// only then can its line have landed without an acknowledgement.
    /// </summary>
    public bool UnknownWriteIsTheAppend => UnknownException?.Operation is "CommitCas" or "Commit";

    /// <summary>The caller knows the append landed: acknowledged, or an unknown append resolved as landed.</summary>
    public bool KnownLanded => Outcome == Outcome.Ok || (Outcome == Outcome.Unknown && UnknownWriteIsTheAppend && ResolvedLanded == true);

    public override string ToString()
    {
        var text = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"[{StartMs,8:F1}..{EndMs,8:F1} ms] {Token,-10} {Path,-6} {Key.Name}: {Outcome}"));
        if (Outcome == Outcome.Ok)
        {
            text.Append(CultureInfo.InvariantCulture, $" v{Version}");
        }

        if (UnknownException is { } unknown)
        {
            text.Append(CultureInfo.InvariantCulture, $" ({unknown.Operation}, op {unknown.OperationId}) resolved ");
            text.Append(ResolvedLanded switch { true => "LANDED", false => "not landed", null => "NEVER" });
            text.Append(CultureInfo.InvariantCulture, $" after {ResolveAttempts} attempt(s){(ResolvedAtMs is { } at ? $" at {at:F1} ms" : "")}");
        }
        else if (Detail is not null)
        {
            text.Append(" — ").Append(Detail);
        }

        if (!Retries.IsEmpty)
        {
            text.Append(" — retried: ").AppendJoin("; ", Retries);
        }

        if (AfterwardsRaw is not null)
        {
            text.Append(" — afterwards: ").Append(AfterwardsRaw);
        }

        return text.ToString();
    }
}

/// <summary>One fault the nemesis injected.</summary>
internal sealed record NemesisEvent(double StartMs, double EndMs, string Kind, string Targets)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"[{StartMs,8:F1}..{EndMs,8:F1} ms] {Kind} on {Targets}");
}

/// <summary>Every append and every fault of one run, in the order they began.</summary>
internal sealed class History(Stopwatch clock)
{
    private readonly ConcurrentQueue<Op> _ops = new();
    private readonly ConcurrentQueue<NemesisEvent> _faults = new();
    private readonly ConcurrentDictionary<string, Op> _running = new(StringComparer.Ordinal);

    public double NowMs => clock.Elapsed.TotalMilliseconds;

    public IReadOnlyList<Op> Ops => [.. _ops.OrderBy(o => o.StartMs)];

    public IReadOnlyList<NemesisEvent> Faults => [.. _faults.OrderBy(f => f.StartMs)];

    public Op Begin(string agent, int seq, ArtifactKey key, AppendPath path)
    {
        var op = new Op(agent, seq, key, path, NowMs);
        _ops.Enqueue(op);
        _running[agent] = op;
        return op;
    }

    /// <summary>Notes a store retry on the append the agent is running (each agent runs one at a time).</summary>
    public void Retried(string agent, string note)
    {
        if (_running.TryGetValue(agent, out var op))
        {
            op.Retries.Enqueue(string.Create(CultureInfo.InvariantCulture, $"{note} at {NowMs:F1} ms"));
        }
    }

    public void Fault(double startMs, string kind, string targets) => _faults.Enqueue(new NemesisEvent(startMs, NowMs, kind, targets));

    /// <summary>Records the caller's outcome from the exception it got (or its absence).</summary>
    public static void Classify(Op op, Exception ex)
    {
        op.ExceptionType = ex.GetType().Name;
        op.Detail = $"{ex.GetType().Name}: {ex.Message}";
        switch (ex)
        {
            case OutcomeUnknownException unknown:
                op.Outcome = Outcome.Unknown;
                op.UnknownException = unknown;
                break;
            case CoherenceException:
                op.Outcome = Outcome.Refused;
                break;
            case CoherenceFaultException:
                op.Outcome = Outcome.Unavailable;
                break;
            default:
                op.Outcome = Outcome.Raw;
                op.Detail = ex.ToString();
                break;
        }
    }
}

/// <summary>One broken property, with the append it concerns when there is one.</summary>
internal sealed record Violation(string Property, ArtifactKey Key, string Message, Op? Op = null);

/// <summary>
/// The checks of issue 10 on a finished history and the final records. Every append adds one unique
/// line, so in the final content of an artifact: line <c>i</c> is the append that made version <c>i</c>.
/// </summary>
internal static class Checker
{
    public static List<Violation> Check(IReadOnlyList<Op> ops, IReadOnlyDictionary<ArtifactKey, DirectoryRecord?> finals)
    {
        var violations = new List<Violation>();
        foreach (var op in ops)
        {
            if (op.Outcome == Outcome.Raw)
            {
                violations.Add(new Violation("no raw exceptions", op.Key, $"{op.Token} got a non-library exception: {op.Detail}", op));
            }

            if (op.AfterwardsRaw is not null)
            {
                violations.Add(new Violation("no raw exceptions", op.Key, $"{op.Token}: resolving or releasing afterwards threw a non-library exception: {op.AfterwardsRaw}", op));
            }

            if (op.Outcome == Outcome.Unknown && op.ResolvedLanded is null)
            {
                violations.Add(new Violation("every unknown outcome resolves", op.Key, $"{op.Token}: the outcome of {op.UnknownException!.Operation} (op {op.UnknownException.OperationId}) could not be resolved after the proxies healed", op));
            }

            if (op.Outcome == Outcome.Pending)
            {
                violations.Add(new Violation("every call returns", op.Key, $"{op.Token} never returned", op));
            }
        }

        var byToken = ops.ToDictionary(o => o.Token, StringComparer.Ordinal);
        foreach (var (key, record) in finals.OrderBy(f => f.Key.StoreKey, StringComparer.Ordinal))
        {
            var version = record?.Version ?? 0;
            var lines = record?.Content is { Length: > 0 } content ? Encoding.UTF8.GetString(content).Split('\n') : [];
            if (lines.Length != version)
            {
                violations.Add(new Violation("versions contiguous", key, $"v{version} but {lines.Length} appended lines: {Math.Abs(version - lines.Length)} commit(s) did not add exactly their own line"));
            }

            var positions = new Dictionary<string, List<int>>(StringComparer.Ordinal);
            for (var i = 0; i < lines.Length; i++)
            {
                if (!positions.TryGetValue(lines[i], out var list))
                {
                    positions[lines[i]] = list = [];
                }

                list.Add(i + 1);
            }

            foreach (var (token, at) in positions)
            {
                if (!byToken.TryGetValue(token, out var op) || op.Key != key)
                {
                    violations.Add(new Violation("no phantom appends", key, $"line(s) {string.Join(",", at)} hold '{token}', which no append on this artifact wrote"));
                    continue;
                }

                if (at.Count > 1)
                {
                    violations.Add(new Violation("no append applied twice", key, $"{token} is present {at.Count} times, as versions {string.Join(", ", at.Select(v => "v" + v.ToString(CultureInfo.InvariantCulture)))}", op));
                }

                if (!op.KnownLanded)
                {
                    violations.Add(new Violation("landed means landed", key, $"{token} is present (v{at[0]}) but its caller was told {op.Outcome}{(op.UnknownException is { } u ? $" ({u.Operation}, resolved {(op.ResolvedLanded == false ? "not landed" : "never")})" : "")}: {op.ExceptionType}", op));
                }
            }

            var acknowledged = new Dictionary<long, Op>();
            var drift = 0L;
            var drifted = 0;
            foreach (var op in ops.Where(o => o.Key == key && o.KnownLanded).OrderBy(o => o.Outcome == Outcome.Ok ? o.Version : long.MaxValue))
            {
                var at = positions.GetValueOrDefault(op.Token);
                if (at is null)
                {
                    violations.Add(new Violation("no lost appends", key, $"{op.Token} was {(op.Outcome == Outcome.Ok ? $"acknowledged at v{op.Version}" : "resolved as landed")} but is absent from the final content (v{version})", op));
                }

                if (op.Outcome != Outcome.Ok)
                {
                    continue;
                }

                if (acknowledged.TryGetValue(op.Version, out var other))
                {
                    violations.Add(new Violation("acknowledged versions unique", key, $"v{op.Version} was acknowledged to both {other.Token} and {op.Token}", op));
                }
                else
                {
                    acknowledged[op.Version] = op;
                }

                // Line i is the append that made version i. Once a commit adds no line of its own (or two),
                // every later acknowledgement is off by the same amount: report where the offset changes.
                if (at is not null && !at.Contains((int)op.Version))
                {
                    drifted++;
                    var offset = at.MinBy(line => Math.Abs(line - op.Version)) - op.Version;
                    if (offset != drift)
                    {
                        var there = op.Version >= 1 && op.Version <= lines.Length ? $"'{lines[op.Version - 1]}'" : "beyond the content";
                        violations.Add(new Violation("acknowledged version is the append", key, $"{op.Token} was acknowledged at v{op.Version} but is line {string.Join(",", at)} (line {op.Version} is {there}): from here on lines are offset by {offset} from versions", op));
                        drift = offset;
                    }
                }
            }

            if (drifted > 0)
            {
                violations.Add(new Violation("acknowledged version is the append", key, $"{drifted} acknowledged appends in all are not the line of their version"));
            }
        }

        return violations;
    }

    /// <summary>The appends on the violation's artifact around it, and the faults just before and during it.</summary>
    public static string Excerpt(Violation violation, IReadOnlyList<Op> ops, IReadOnlyList<NemesisEvent> faults)
    {
        if (violation.Op is not { } op)
        {
            return string.Empty;
        }

        var text = new StringBuilder();
        var to = Math.Max(op.EndMs, op.ResolvedAtMs ?? 0);
        var same = ops.Where(o => o.Key == op.Key).OrderBy(o => o.StartMs).ToList();
        var index = same.IndexOf(op);
        text.AppendLine("    appends on this artifact that began around it:");
        foreach (var near in same.Skip(Math.Max(0, index - 6)).Take(13))
        {
            text.Append(near == op ? "    >> " : "       ").AppendLine(near.ToString());
        }

        var versions = same.Where(o => o.Outcome == Outcome.Ok && Math.Abs(o.Version - op.Version) <= 3 && o != op).OrderBy(o => o.Version).ToList();
        if (op.Outcome == Outcome.Ok && versions.Count > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"    acknowledged near v{op.Version}:");
            foreach (var near in versions)
            {
                text.Append("       ").AppendLine(near.ToString());
            }
        }

        text.AppendLine("    faults:");
        foreach (var fault in faults.Where(f => f.EndMs >= op.StartMs - 2000 && f.StartMs <= to + 300))
        {
            text.Append("       ").AppendLine(fault.ToString());
        }

        return text.ToString();
    }
}

using AgentCoherence.Recording;

namespace AgentCoherence.Cli.Diagnose;

/// <summary>What <c>coherence diagnose</c> found in a recording: every section of the console, JSON and HTML output.</summary>
internal sealed record DiagnoseReport(
    DiagnoseSummary Summary,
    IReadOnlyList<DivergentRead> DivergentReads,
    IReadOnlyList<SilentOverwrite> SilentOverwrites,
    IReadOnlyList<RefusalFinding> Refusals,
    IReadOnlyList<ArtifactContention> Artifacts,
    TokenFigures Tokens,
    IReadOnlyList<ArtifactTimeline> Timelines,
    IReadOnlyList<AgentStaleness> Staleness);

/// <summary>The trace at a glance.</summary>
/// <param name="Entries">Lines analysed.</param>
/// <param name="Processes">Distinct recording processes.</param>
/// <param name="Agents">Distinct agents.</param>
/// <param name="Artifacts">Distinct artifacts.</param>
/// <param name="First">The earliest start, or null for an empty trace.</param>
/// <param name="Last">The latest completion.</param>
/// <param name="Observe">Whether the trace has observe-mode overrides.</param>
/// <param name="Writes">Writes that landed (overrides and batch members included).</param>
/// <param name="LostVersions">Distinct versions a silent overwrite replaced that the artifact's latest version does not descend from.</param>
/// <param name="WouldBeRefused">Observe mode: refusals that were overridden.</param>
/// <param name="Prevented">Refusals that stood (coherence prevented the write).</param>
/// <param name="Gaps">Gap lines: places where the recorder dropped lines because its queue was full.</param>
/// <param name="DroppedLines">Lines dropped over every gap; findings that needed them are missing.</param>
/// <param name="FirstGap">The first gap's <c>file:line</c>, or null when nothing was dropped.</param>
internal sealed record DiagnoseSummary(
    long Entries,
    int Processes,
    int Agents,
    int Artifacts,
    DateTimeOffset? First,
    DateTimeOffset? Last,
    bool Observe,
    long Writes,
    int DivergentReads,
    int SilentOverwrites,
    int LostVersions,
    int WouldBeRefused,
    int Prevented,
    int Gaps = 0,
    long DroppedLines = 0,
    string? FirstGap = null)
{
    /// <summary>The sentence that says the recording is incomplete, or null when it is complete.</summary>
    public string? GapText => Gaps == 0
        ? null
        : $"The recording is incomplete: the recorder dropped {DroppedLines} line(s) in {Gaps} gap(s), the first at {FirstGap}, because its queue was full. "
          + "The rest was analysed; what happened in the dropped lines is not in these findings.";

    public TimeSpan Span => First is { } f && Last is { } l ? l - f : TimeSpan.Zero;
}

/// <summary>How an agent acted on an old version.</summary>
internal enum DivergenceKind
{
    /// <summary>A read served from the agent's cache returned an old version.</summary>
    CacheHit,

    /// <summary>A write landed that was computed from an old version (a silent overwrite).</summary>
    Write,

    /// <summary>Observe mode: a refused write applied anyway, computed from an old version.</summary>
    Override,
}

/// <summary>An agent acted on a version older than the artifact's current one.</summary>
/// <param name="ActedOn">The version the agent acted on.</param>
/// <param name="Current">The artifact's version at that moment.</param>
/// <param name="NewerLanded">When the first version newer than <paramref name="ActedOn"/> landed (null when the trace does not show it).</param>
/// <param name="CaughtUp">When the agent's view reached <paramref name="Current"/> (null: not by the end of the trace).</param>
/// <param name="StaleFor">From <paramref name="NewerLanded"/> to <paramref name="CaughtUp"/>, or to the end of the trace.</param>
internal sealed record DivergentRead(
    string Agent,
    string Key,
    DivergenceKind Kind,
    DateTimeOffset At,
    long ActedOn,
    long Current,
    DateTimeOffset? NewerLanded,
    DateTimeOffset? CaughtUp,
    TimeSpan StaleFor,
    string Source)
{
    public long VersionsBehind => Current - ActedOn;
}

/// <summary>A version whose work a silent overwrite discarded.</summary>
internal sealed record LostVersion(long Version, string? Writer, string? Hash, int? Tokens, long? Size, DateTimeOffset? Landed);

/// <summary>A write that landed although it was based on a stale view: the versions in between are gone.</summary>
/// <param name="Agent">Who clobbered.</param>
/// <param name="BasedOn">The version the write was computed from.</param>
/// <param name="Version">The version it produced.</param>
/// <param name="Override">Whether it was an observe-mode override (enforcement would have refused it).</param>
/// <param name="Reason">Why enforcement refused (or would refuse) it, when the trace says.</param>
/// <param name="Lost">The versions after <paramref name="BasedOn"/> that the write replaced without reading them.</param>
internal sealed record SilentOverwrite(
    string Agent,
    string Key,
    DateTimeOffset At,
    long BasedOn,
    long Version,
    bool Override,
    RefusalReason? Reason,
    string? Hash,
    int? Tokens,
    IReadOnlyList<LostVersion> Lost,
    string Source)
{
    /// <summary>The writers whose versions were lost, in version order, each once.</summary>
    public IReadOnlyList<string> Victims => Lost.Select(l => l.Writer ?? "?").Distinct(StringComparer.Ordinal).ToList();

    public long LostTokens => Lost.Sum(l => (long)(l.Tokens ?? 0));
}

/// <summary>A write the protocol refused: overridden in observe mode (would be refused), or refused for real (prevented).</summary>
/// <param name="Overridden">True when an observe-mode override applied it anyway.</param>
/// <param name="CallerVersion">The caller's version named by the refusal.</param>
/// <param name="Current">The artifact's version when refused.</param>
/// <param name="OverrideVersion">The version the override produced.</param>
internal sealed record RefusalFinding(
    string Agent,
    string Key,
    RecordingOperation Operation,
    DateTimeOffset At,
    RefusalReason? Reason,
    long? CallerVersion,
    long? Current,
    string? Holder,
    bool Overridden,
    long? OverrideVersion,
    string Source);

/// <summary>One artifact's traffic and contention.</summary>
internal sealed record ArtifactContention(
    string Key,
    long Operations,
    long Reads,
    long Writes,
    IReadOnlyList<string> Writers,
    IReadOnlyDictionary<string, int> RefusalsByReason,
    int Overrides,
    int SilentOverwrites,
    int DivergentReads,
    long LatestVersion)
{
    public int Refusals => RefusalsByReason.Values.Sum();
}

/// <summary>
/// Tokens on this trace with the accounting of <c>coherence bench tokens</c>: the no-coherence baseline moves the
/// whole content on every read (cache hits included) and every write; the coherent fleet pays the content it
/// actually moved (misses and writes), 1 token per cache hit or current re-validation (as <see cref="AgentStats"/>
/// counts a hit), plus the tokens of the signals delivered.
/// </summary>
internal sealed record TokenFigures(
    long Reads,
    long CacheHits,
    long Revalidations,
    long Writes,
    long SignalsDelivered,
    long SignalTokens,
    long BaselineTokens,
    long CoherentTokensWithoutSignals,
    long CoherentTokensWithSignals,
    long ReadsOfUnknownSize)
{
    public double SavingsWithoutSignals => Savings(CoherentTokensWithoutSignals);

    public double SavingsWithSignals => Savings(CoherentTokensWithSignals);

    public long SavedTokens => BaselineTokens - CoherentTokensWithSignals;

    private double Savings(long coherent) => BaselineTokens == 0 ? 0 : 1 - ((double)coherent / BaselineTokens);
}

/// <summary>What happened to one artifact over time, for its chart.</summary>
internal sealed record ArtifactTimeline(string Key, IReadOnlyList<TimelinePoint> Points);

/// <summary>One event on an artifact's timeline.</summary>
internal sealed record TimelinePoint(DateTimeOffset At, long Version, string Agent, TimelineEvent Event, RefusalReason? Reason);

/// <summary>What a timeline point marks.</summary>
internal enum TimelineEvent
{
    /// <summary>A write that landed from a current view.</summary>
    Write,

    /// <summary>A write that landed from a stale view (a silent overwrite).</summary>
    StaleWrite,

    /// <summary>An observe-mode override.</summary>
    Override,

    /// <summary>A refusal.</summary>
    Refusal,
}

/// <summary>How far behind one agent was each time it acted.</summary>
internal sealed record AgentStaleness(string Agent, IReadOnlyList<StalenessPoint> Points)
{
    public long MaxBehind => Points.Count == 0 ? 0 : Points.Max(p => p.VersionsBehind);
}

/// <summary>One act of an agent: a read or write, and how many versions behind the artifact's current one it was.</summary>
internal sealed record StalenessPoint(DateTimeOffset At, string Key, long VersionsBehind);

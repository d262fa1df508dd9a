using System.Text.Json;
using AgentCoherence.Cli.Commands;
using AgentCoherence.Cli.Diagnose;
using AgentCoherence.Recording;
using AgentCoherence.Signals;
using AgentCoherence.Testing;

namespace AgentCoherence.Cli.Tests.Diagnose;

/// <summary><c>coherence diagnose</c> on scripted traces: planted clobbers found, none invented, token figures, exit codes, JSON.</summary>
public sealed class DiagnoseCommandTests : IDisposable
{
    private const string Planner = "planner", Reviewer = "reviewer", Coder = "coder";
    private const string Plan = "plans/plan.md", Code = "src/client.cs";
    private readonly TempDirectory _directory = new("agentcoherence-cli-tests");

    public void Dispose() => _directory.Dispose();

    /// <summary>
    /// 3 agents, 2 artifacts, 4 planted stale overwrites (2 plain writes from an old view, 2 observe-mode overrides after a
    /// StaleView refusal) and 2 stale cache hits.
    /// </summary>
    internal static TraceBuilder Dirty() => new TraceBuilder()
        .Write(Planner, Plan, 0, 1, 100)
        .Read(Reviewer, Plan, 1, 100)
        .Read(Coder, Plan, 1, 100)
        .Write(Reviewer, Plan, 1, 2, 110)                                        // v2 by reviewer
        .Write(Coder, Plan, 1, 3, 105)                                           // #1: coder from v1 loses v2 (reviewer)
        .Hit(Planner, Plan, 1)                                                   // stale hit: v1 served, v3 current
        .Refused(Planner, Plan, RefusalReason.StaleView, 1, 3, overrideVersion: 4, tokens: 120) // #2: planner from v1 loses v2, v3
        .Write(Coder, Code, 0, 1, 300)
        .Read(Planner, Code, 1, 300)
        .Read(Reviewer, Code, 1, 300)
        .Write(Planner, Code, 1, 2, 310)                                         // v2 by planner
        .Refused(Reviewer, Code, RefusalReason.StaleView, 1, 2, overrideVersion: 3, tokens: 320) // #3: reviewer from v1 loses v2 (planner)
        .Hit(Coder, Code, 1)                                                     // stale hit: v1 served, v3 current
        .Write(Coder, Code, 1, 4, 330)                                           // #4: coder from v1 loses v2 (planner), v3 (reviewer)
        .Read(Planner, Plan, 4, 120);                                            // the planner catches up on the plan

    /// <summary>The same agents coordinated: every write from the current version, a stale attempt refused and redone after a re-read.</summary>
    internal static TraceBuilder Clean() => new TraceBuilder("Enforce")
        .Write(Planner, Plan, 0, 1, 100)
        .Read(Reviewer, Plan, 1, 100)
        .Read(Coder, Plan, 1, 100)
        .Write(Reviewer, Plan, 1, 2, 110)
        .Signal(Coder, Plan, 2, Reviewer)
        .Signal(Planner, Plan, 2, Reviewer)
        .Refused(Coder, Plan, RefusalReason.VersionConflict, 1, 2)               // prevented
        .Read(Coder, Plan, 2, 110)
        .Write(Coder, Plan, 2, 3, 105)
        .Read(Planner, Plan, 3, 105)
        .Hit(Planner, Plan, 3)
        .Write(Coder, Code, 0, 1, 300)
        .Read(Planner, Code, 1, 300)
        .Commit(Planner, Code, 2, 310)                                           // a grant commit from the planner's read of v1
        .Read(Reviewer, Code, 2, 310)
        .Hit(Reviewer, Code, 2)
        .Write(Reviewer, Code, 2, 3, 320);

    [Fact]
    public async Task Diagnose_finds_every_planted_clobber_with_its_victims_and_lost_versions()
    {
        var report = Analyze(Dirty());

        var found = report.SilentOverwrites.Select(o => (o.Key, o.Agent, o.BasedOn, o.Version, Victims: string.Join(",", o.Victims), Lost: string.Join(",", o.Lost.Select(l => l.Version)))).ToList();
        Assert.Equal(
            [
                (Plan, Coder, 1L, 3L, Reviewer, "2"),
                (Plan, Planner, 1L, 4L, $"{Reviewer},{Coder}", "2,3"),
                (Code, Reviewer, 1L, 3L, Planner, "2"),
                (Code, Coder, 1L, 4L, $"{Planner},{Reviewer}", "2,3"),
            ],
            found);
        Assert.Equal([false, true, true, false], report.SilentOverwrites.Select(o => o.Override));

        // What was lost: the victims' hashes and token sizes.
        var second = report.SilentOverwrites[1];
        Assert.Equal([TraceBuilder.Hash(Reviewer, 2), TraceBuilder.Hash(Coder, 3)], second.Lost.Select(l => l.Hash));
        Assert.Equal([110, 105], second.Lost.Select(l => l.Tokens ?? -1));
        Assert.Equal(215, second.LostTokens);
        Assert.Equal(RefusalReason.StaleView, second.Reason);

        // The two overrides are would-be refusals; nothing was prevented.
        Assert.All(report.Refusals, r => Assert.True(r.Overridden));
        Assert.Equal([(Plan, Planner, 4L), (Code, Reviewer, 3L)], report.Refusals.Select(r => (r.Key, r.Agent, r.OverrideVersion ?? 0)));
        Assert.Equal(2, report.Summary.WouldBeRefused);
        Assert.Equal(0, report.Summary.Prevented);
        Assert.True(report.Summary.Observe);

        // Divergent reads: the 2 stale cache hits and the 4 stale writes.
        var hits = report.DivergentReads.Where(d => d.Kind == DivergenceKind.CacheHit).ToList();
        Assert.Equal([(Planner, Plan, 1L, 3L), (Coder, Code, 1L, 3L)], hits.Select(d => (d.Agent, d.Key, d.ActedOn, d.Current)));
        Assert.Equal(6, report.DivergentReads.Count);

        // The planner's stale hit at +6 s: v2 landed at +4.1 s; the planner's view reached v3 or later when its override
        // (v4) completed at +7.3 s.
        var plannerHit = hits[0];
        Assert.Equal(TraceBuilder.Start.AddMilliseconds(4100), plannerHit.NewerLanded);
        Assert.Equal(TraceBuilder.Start.AddMilliseconds(7300), plannerHit.CaughtUp);
        Assert.Equal(TimeSpan.FromSeconds(3.2), plannerHit.StaleFor);
        Assert.Equal(2, plannerHit.VersionsBehind);

        // Hot artifacts: 3 distinct writers on each, one StaleView refusal each.
        Assert.All(report.Artifacts, a => Assert.Equal(3, a.Writers.Count));
        Assert.All(report.Artifacts, a => Assert.Equal(1, a.RefusalsByReason["StaleView"]));
    }

    [Fact]
    public async Task Diagnose_reports_no_clobber_and_no_divergent_read_on_a_coordinated_trace()
    {
        var report = Analyze(Clean());

        Assert.Empty(report.SilentOverwrites);
        Assert.Empty(report.DivergentReads);
        var refusal = Assert.Single(report.Refusals);
        Assert.False(refusal.Overridden);
        Assert.Equal((Coder, Plan, RefusalReason.VersionConflict), (refusal.Agent, refusal.Key, refusal.Reason));
        Assert.Equal(1, report.Summary.Prevented);
        Assert.False(report.Summary.Observe);
        Assert.All(report.Staleness.SelectMany(a => a.Points), p => Assert.Equal(0, p.VersionsBehind));
        await Task.CompletedTask;
    }

    [Fact]
    public void A_replaced_version_that_a_later_write_built_on_is_not_counted_as_lost()
    {
        // The coder replaces v2 (reviewer) from v1; the planner, who had read v2, replaces the coder's v3 from v2: v2's
        // work lives on in v4, v3's is gone.
        var trace = new TraceBuilder()
            .Write(Reviewer, Plan, 0, 1, 100)
            .Read(Coder, Plan, 1, 100)
            .Write(Reviewer, Plan, 1, 2, 110)
            .Read(Planner, Plan, 2, 110)
            .Write(Coder, Plan, 1, 3, 105)
            .Write(Planner, Plan, 2, 4, 120);

        var report = Analyze(trace);

        Assert.Equal([[2L], [3L]], report.SilentOverwrites.Select(o => o.Lost.Select(l => l.Version).ToArray()));
        Assert.Equal(1, report.Summary.LostVersions);
    }

    [Fact]
    public void Token_figures_follow_the_bench_tokens_accounting_checked_by_hand()
    {
        var trace = new TraceBuilder("Enforce")
            .Write("a", "k", 0, 1, 100)   // baseline 100, coherent 100
            .Read("b", "k", 1, 100)       // baseline 100, coherent 100 (a miss moves content)
            .Hit("b", "k", 1)             // baseline 100 (size of v1), coherent 1 (a hit pays 1, as in AgentStats)
            .Write("a", "k", 1, 2, 120)   // baseline 120, coherent 120
            .Signal("b", "k", 2, "a")     // coherent: the signal's tokens
            .Read("b", "k", 2, 120)       // baseline 120, coherent 120
            .Revalidate("b", "k", 2);     // baseline 120 (size of v2), coherent 1 (a current re-validation is a hit)
        var signalTokens = SignalTokens(new InvalidationSignal(ArtifactKey.Of("k"), 2, new AgentId("a"), SignalKind.Commit, new AgentId("b")));

        var t = Analyze(trace).Tokens;

        Assert.Equal((4L, 1L, 1L, 2L, 1L), (t.Reads, t.CacheHits, t.Revalidations, t.Writes, t.SignalsDelivered));
        Assert.Equal(660, t.BaselineTokens);
        Assert.Equal(442, t.CoherentTokensWithoutSignals);
        Assert.Equal(signalTokens, t.SignalTokens);
        Assert.InRange(signalTokens, 1, SignalText.MaxTokens);
        Assert.Equal(442 + signalTokens, t.CoherentTokensWithSignals);
        Assert.Equal(1 - (442.0 / 660), t.SavingsWithoutSignals, 9);
        Assert.Equal(1 - ((442.0 + signalTokens) / 660), t.SavingsWithSignals, 9);
        Assert.Equal(0, t.ReadsOfUnknownSize);
    }

    [Fact]
    public async Task Diagnose_prints_the_tables_and_exits_0()
    {
        var path = Dirty().WriteTo(_directory.File("dirty.jsonl"));

        var (exit, output, errors) = await StatusCommandTests.Run(null, "diagnose", path);

        Assert.Equal(0, exit);
        Assert.Equal(string.Empty, errors);
        Assert.Contains("silent overwrites", output, StringComparison.Ordinal);
        Assert.Contains("4 silent overwrite(s) lost 4 version(s); 6 act(s) on a stale version — coherence would have refused 2 write(s)", output, StringComparison.Ordinal);
        Assert.Contains("would be refused", output, StringComparison.Ordinal);
        Assert.Contains("hot artifacts", output, StringComparison.Ordinal);
        Assert.Contains("coherent + signals", output, StringComparison.Ordinal);
        Assert.Matches(@"│ plans/plan\.md +│ planner +│ v1 → v4 +│ v2 reviewer 110 +│ override +│ dirty\.jsonl:9 +│", output);
        Assert.Matches(@"│ +│ +│ +│ v3 coder 105 +│ +│ +│", output);
    }

    [Fact]
    public async Task Json_output_has_the_documented_shape()
    {
        var path = Dirty().WriteTo(_directory.File("dirty.jsonl"));

        var (exit, output, _) = await StatusCommandTests.Run(null, "diagnose", path, "--json");

        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal("coherence-diagnose/1", root.GetProperty("format").GetString());
        var summary = root.GetProperty("summary");
        Assert.Equal(4, summary.GetProperty("silentOverwrites").GetInt32());
        Assert.Equal(4, summary.GetProperty("lostVersions").GetInt32()); // v2 and v3 of each artifact, each counted once
        Assert.Equal(2, summary.GetProperty("wouldBeRefused").GetInt32());
        Assert.True(summary.GetProperty("observe").GetBoolean());
        var second = root.GetProperty("silentOverwrites")[1];
        Assert.Equal("planner", second.GetProperty("agent").GetString());
        Assert.Equal("plans/plan.md", second.GetProperty("key").GetString());
        Assert.Equal(["reviewer", "coder"], second.GetProperty("victims").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal([2L, 3L], second.GetProperty("lost").EnumerateArray().Select(l => l.GetProperty("version").GetInt64()));
        Assert.Equal("staleView", second.GetProperty("reason").GetString());
        Assert.EndsWith("dirty.jsonl:9", second.GetProperty("source").GetString(), StringComparison.Ordinal);
        Assert.All(root.GetProperty("refusals").EnumerateArray(), r => Assert.Equal("wouldBeRefused", r.GetProperty("outcome").GetString()));
        var hit = root.GetProperty("divergentReads").EnumerateArray().First(d => d.GetProperty("kind").GetString() == "cacheHit");
        Assert.Equal(2, hit.GetProperty("versionsBehind").GetInt64());
        Assert.Equal(3200, hit.GetProperty("staleForMs").GetDouble());
        Assert.Equal(2, root.GetProperty("artifacts").GetArrayLength());
        Assert.Equal(1, root.GetProperty("artifacts")[0].GetProperty("refusalsByReason").GetProperty("staleView").GetInt32());
        Assert.True(root.GetProperty("tokens").GetProperty("baselineTokens").GetInt64() > 0);
    }

    [Fact]
    public async Task A_truncated_line_exits_2_naming_the_file_and_line()
    {
        var text = Dirty().Text();
        var path = _directory.File("cut.jsonl");
        await File.WriteAllTextAsync(path, text[..(text.Length - 20)]); // the last line loses its end and its newline
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;

        var (exit, output, errors) = await StatusCommandTests.Run(null, "diagnose", path);

        Assert.Equal(DiagnoseCommand.Unreadable, exit);
        Assert.Contains($"cut.jsonl:{lines}", errors, StringComparison.Ordinal);
        Assert.Contains("truncated", errors, StringComparison.Ordinal);
        Assert.DoesNotContain("summary", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_garbage_line_or_a_missing_file_exits_2()
    {
        var lines = Dirty().Text().Split('\n').ToList();
        lines[3] = "{\"op\": \"read\", \"started\": not json";
        var path = _directory.File("garbage.jsonl");
        await File.WriteAllTextAsync(path, string.Join('\n', lines));

        var (exit, _, errors) = await StatusCommandTests.Run(null, "diagnose", path);
        var (missingExit, _, missingErrors) = await StatusCommandTests.Run(null, "diagnose", _directory.File("none.jsonl"));

        Assert.Equal(2, exit);
        Assert.Contains("garbage.jsonl:4:", errors, StringComparison.Ordinal);
        Assert.Equal(2, missingExit);
        Assert.Contains("none.jsonl: no such file", missingErrors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_newer_schema_version_exits_3()
    {
        var text = Dirty().Text().Replace("\"version\":1,", "\"version\":99,", StringComparison.Ordinal);
        Assert.Contains("\"version\":99,", text, StringComparison.Ordinal);
        var path = _directory.File("future.jsonl");
        await File.WriteAllTextAsync(path, text);

        var (exit, _, errors) = await StatusCommandTests.Run(null, "diagnose", path);

        Assert.Equal(DiagnoseCommand.UnsupportedSchema, exit);
        Assert.Contains("schema version 99", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_report_that_cannot_be_written_exits_1_naming_the_path()
    {
        var path = Dirty().WriteTo(_directory.File("dirty.jsonl"));
        var blocked = _directory.File("a-file");
        await File.WriteAllTextAsync(blocked, "not a directory");

        var (exit, _, errors) = await StatusCommandTests.Run(null, "diagnose", path, "--html", Path.Combine(blocked, "report.html"));

        Assert.Equal(DiagnoseCommand.ReportNotWritten, exit);
        Assert.Contains($"--html {Path.Combine(blocked, "report.html")}: the report cannot be written", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Html_report_is_one_self_contained_file_with_every_section_and_encoded_strings()
    {
        var trace = Dirty()
            .Write("<script>alert(1)</script>", "<b>bold</b>.md", 0, 1, 10)
            .Write("x&y", "<b>bold</b>.md", 0, 2, 10);
        var path = trace.WriteTo(_directory.File("dirty.jsonl"));
        var html = _directory.File("out/report.html");

        var (exit, _, errors) = await StatusCommandTests.Run(null, "diagnose", path, "--html", html);

        Assert.Equal(0, exit);
        Assert.Equal(string.Empty, errors);
        var page = await File.ReadAllTextAsync(html);
        foreach (var id in new[] { "summary", "divergent-reads", "silent-overwrites", "would-be-refusals", "hot-artifacts", "tokens", "timelines", "staleness" })
        {
            Assert.Contains($"<section id=\"{id}\">", page, StringComparison.Ordinal);
        }

        Assert.Equal(4, CountOf(page, "<svg")); // 3 artifact timelines and the staleness chart
        Assert.DoesNotContain("<script", page, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<b>bold", page, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", page, StringComparison.Ordinal);
        Assert.Contains("x&amp;y", page, StringComparison.Ordinal);
        // Self-contained: nothing is loaded from anywhere (the SVG namespace URIs are names, not fetches).
        Assert.DoesNotContain("src=", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<link", page, StringComparison.Ordinal);
        Assert.DoesNotContain("@import", page, StringComparison.Ordinal);
        Assert.DoesNotContain("url(http", page, StringComparison.Ordinal);
        Assert.DoesNotMatch("href=\"(?!#)", page);
        // Each chart's ids are its own.
        var ids = System.Text.RegularExpressions.Regex.Matches(page, "id=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
    }

    internal static DiagnoseReport Analyze(TraceBuilder trace) =>
        TraceAnalyzer.Analyze(RecordingReader.Parse(trace.Text(), "trace.jsonl").Entries);

    private static int SignalTokens(InvalidationSignal signal)
    {
        SignalText.FormatWithTokens(signal, out var tokens);
        return tokens;
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}

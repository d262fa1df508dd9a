using AgentCoherence.Internal;
using AgentCoherence.Recording;
using AgentCoherence.Testing;
using static AgentCoherence.Testing.RecordingScript;

namespace AgentCoherence.Tests.Recording;

/// <summary>Invariant replay on scripted recordings: clean traces, reordered concurrent entries, planted violations.</summary>
public sealed class RecordingReplayTests
{
    /// <summary>Two agents on one artifact, every kind of step, in order; entry 7 is b's refused CAS.</summary>
    private static RecordingScript Story()
    {
        var s = new RecordingScript();
        s.Register("a");                                              // 0
        s.Register("b");                                              // 1
        s.Read("a", "doc", 0, notFound: true);                        // 2
        s.Add(Cas("a", "doc", 0, 1));                                 // 3
        s.Read("b", "doc", 1);                                        // 4
        s.Acquire("a", "doc", 1);                                     // 5
        s.Commit("a", "doc", 2, "b");                                 // 6
        s.Add(Cas("b", "doc", 1, 2, RefusalReason.VersionConflict));  // 7
        s.Read("b", "doc", 2);                                        // 8
        s.Add(new() { Op = RecordingOperation.Release, Agent = "a", Key = Key("doc"), Found = true }); // 9
        s.Add(Cas("b", "doc", 2, 3, null, null, "a"));                // 10
        return s;
    }

    [Fact]
    public void A_clean_story_replays_clean_in_recorded_order()
    {
        var report = RecordingReplay.Check(Story().Read());

        Assert.True(report.Clean, report.FirstDivergence?.Message);
        Assert.Equal(11, report.StoreOperations);
        Assert.Equal(0, report.Reordered);
    }

    [Fact]
    public void Overlapping_entries_recorded_in_another_order_than_the_stores_are_reordered_by_the_search()
    {
        var s = new RecordingScript();
        s.Register("a");
        s.Register("b");
        s.Add(Cas("a", "doc", 0, 1));
        s.Read("b", "doc", 1);
        // a's call started first but the store ran b's first: a is refused against b's v2.
        s.AddAt(10, 40, Cas("a", "doc", 1, 2, RefusalReason.VersionConflict));
        s.AddAt(15, 30, Cas("b", "doc", 1, 2, null, null, "a"));
        s.Skip(50);
        s.Read("a", "doc", 2);

        var report = RecordingReplay.Check(s.Read());

        Assert.True(report.Clean, report.FirstDivergence?.Message);
        Assert.Equal(1, report.Reordered);
    }

    [Fact]
    public void The_same_entries_without_overlap_cannot_be_reordered_and_diverge()
    {
        var s = new RecordingScript();
        s.Register("a");
        s.Register("b");
        s.Add(Cas("a", "doc", 0, 1));
        s.Read("b", "doc", 1);
        s.Add(Cas("a", "doc", 1, 2, RefusalReason.VersionConflict)); // completed before b's started: real time forbids the order
        s.Add(Cas("b", "doc", 1, 2, null, null, "a"));

        var report = RecordingReplay.Check(s.Read());

        var first = Assert.IsType<ReplayDivergence>(report.FirstDivergence);
        Assert.Equal("Outcome", first.Check);
        Assert.Equal(5, first.Step);
        Assert.Equal("script.jsonl:6", first.Source);
        Assert.Contains("ok at v2", first.Expected, StringComparison.Ordinal);
        Assert.Contains("versionConflict", first.Recorded, StringComparison.Ordinal);
        Assert.Equal(4, first.Context.Count);
    }

    [Fact]
    public void A_lost_update_a_refused_CAS_edited_to_land_with_a_duplicate_version_is_UniqueVersion_at_its_step()
    {
        var s = Story();
        s.Edit(7, e => e with { Outcome = RecordingOutcome.Ok, Reason = null });

        var first = RecordingReplay.Check(s.Read()).FirstDivergence!;

        Assert.Equal("UniqueVersion", first.Check);
        Assert.Equal(8, first.Step);
        Assert.Equal("script.jsonl:9", first.Source);
    }

    [Fact]
    public void A_stale_apply_a_CAS_landed_with_its_expected_version_behind_is_NoStaleApply_at_its_step()
    {
        var s = Story();
        s.Edit(7, e => e with { Outcome = RecordingOutcome.Ok, Reason = null, Version = 3 });

        var first = RecordingReplay.Check(s.Read()).FirstDivergence!;

        Assert.Equal("NoStaleApply", first.Check);
        Assert.Equal(8, first.Step);
        Assert.Contains("from v1 but produced v3", first.Message, StringComparison.Ordinal);
    }

    /// <summary>The base of the mutant proofs: a creates doc, b reads it, a moves it to v2 telling b, b re-reads.</summary>
    private static RecordingScript Base()
    {
        var s = new RecordingScript();
        s.Register("a");
        s.Register("b");
        s.Add(Cas("a", "doc", 0, 1));
        s.Read("b", "doc", 1);
        s.Add(Cas("a", "doc", 1, 2, null, "op-a2", "b"));
        s.Read("b", "doc", 2);
        return s;
    }

    public static TheoryData<string> Checks() => ["Outcome", "UniqueVersion", "NoStaleApply", "NoDoubleApply", "ContiguousVersions"];

    /// <summary>Each planted violation is caught by its check, and goes unnoticed when that check (and the outcome comparison) is off.</summary>
    [Theory]
    [MemberData(nameof(Checks))]
    public void Mutant_proof_a_planted_violation_is_caught_only_with_its_check_on(string check)
    {
        var s = Base();
        ReplayChecks switchedOff;
        switch (check)
        {
            case "Outcome": // b was holding a view but the write told nobody
                s.Edit(4, e => e with { Signals = [] });
                switchedOff = ReplayChecks.Outcomes;
                break;
            case "UniqueVersion":
                s.Add(Cas("b", "doc", 1, 2));
                switchedOff = ReplayChecks.UniqueVersion;
                break;
            case "NoStaleApply":
                s.Add(Cas("b", "doc", 1, 3));
                switchedOff = ReplayChecks.NoStaleApply;
                break;
            case "NoDoubleApply": // a retry of a's landed operation landed again
                s.Add(Cas("a", "doc", 2, 3, null, "op-a2"));
                switchedOff = ReplayChecks.NoDoubleApply;
                break;
            default: // v2 never landed, v3 did
                s.Edit(4, e => e with { Expected = 2, Version = 3, Signals = [new RecordingSignal(Key("doc"), 3, "a", SignalKind.Commit, "b", 0)] });
                switchedOff = ReplayChecks.ContiguousVersions;
                break;
        }

        var entries = s.Read();
        var on = new ReplayEngine(entries, RecordingReplay.DefaultStepBudget, ReplayChecks.All & ~ReplayChecks.Outcomes | (check == "Outcome" ? ReplayChecks.Outcomes : 0)).Run();
        var off = new ReplayEngine(entries, RecordingReplay.DefaultStepBudget, ReplayChecks.All & ~ReplayChecks.Outcomes & ~switchedOff).Run();

        Assert.Equal(check, on.FirstDivergence?.Check);
        Assert.True(off.Clean, off.FirstDivergence?.Message);
        Assert.True(new ReplayEngine(Base().Read(), RecordingReplay.DefaultStepBudget, ReplayChecks.All).Run().Clean);
    }

    [Fact]
    public void An_attempt_with_an_unknown_outcome_that_landed_and_its_retry_replay_clean()
    {
        var s = Base();
        s.Add(Cas("a", "doc", 2, 0, null, "op-a3") with { Outcome = RecordingOutcome.Unknown, Version = null, Error = "lost reply" });
        s.Add(Cas("a", "doc", 2, 3, null, "op-a3", "b"));

        var report = RecordingReplay.Check(s.Read());

        Assert.True(report.Clean, report.FirstDivergence?.Message);
        Assert.Equal(1, report.UncertainApplied);
    }

    [Fact]
    public void An_unavailable_attempt_that_did_not_land_and_its_retry_replay_clean()
    {
        var s = Base();
        s.Add(Cas("a", "doc", 2, 0, null, "op-a3") with { Outcome = RecordingOutcome.Unavailable, Version = null });
        s.Add(Cas("a", "doc", 2, 3, null, "op-a3", "b"));

        var report = RecordingReplay.Check(s.Read());

        Assert.True(report.Clean, report.FirstDivergence?.Message);
        Assert.Equal(0, report.UncertainApplied);
    }

    [Fact]
    public void A_recorded_reclaim_is_applied_and_the_zombies_commit_is_refused_StaleEpoch()
    {
        var s = Base();
        s.Acquire("a", "doc", 2);
        s.SweepReclaiming("a", "doc", 2, 1);
        s.Add(new() { Op = RecordingOperation.Commit, Agent = "a", Key = Key("doc"), Outcome = RecordingOutcome.Refused, Reason = RefusalReason.StaleEpoch, Version = 2, OperationId = "z" });

        Assert.True(RecordingReplay.Check(s.Read()).Clean);
    }

    [Fact]
    public void A_zombie_commit_that_landed_after_the_reclaim_is_NoStaleApply()
    {
        var s = Base();
        s.Acquire("a", "doc", 2);
        s.SweepReclaiming("a", "doc", 2, 1);
        s.Commit("a", "doc", 3, "b");

        var first = RecordingReplay.Check(s.Read()).FirstDivergence!;

        Assert.Equal("NoStaleApply", first.Check);
        Assert.Equal(9, first.Step);
    }

    [Fact]
    public void A_sweep_that_reclaims_an_agent_holding_no_grant_is_ReclaimedHolder()
    {
        var s = Base();
        s.SweepReclaiming("b", "doc", 2, 1);

        var first = RecordingReplay.Check(s.Read()).FirstDivergence!;

        Assert.Equal("ReclaimedHolder", first.Check);
        Assert.Equal(7, first.Step);
    }

    [Fact]
    public void When_the_search_runs_out_of_budget_it_says_it_could_not_find_an_order_and_names_the_stuck_entries()
    {
        var s = new RecordingScript();
        s.Register("a");
        s.Register("b");
        s.Add(Cas("a", "doc", 0, 1));
        s.Read("b", "doc", 1);
        s.AddAt(10, 40, Cas("a", "doc", 1, 2, RefusalReason.VersionConflict));
        s.AddAt(15, 30, Cas("b", "doc", 1, 2, null, null, "a"));

        var report = RecordingReplay.Check(s.Read(), stepBudget: 5);

        var first = report.FirstDivergence!;
        Assert.Equal("Order", first.Check);
        Assert.Contains("could not find an order within 5 search steps", first.Message, StringComparison.Ordinal);
        Assert.Equal(2, first.Stuck.Count);
    }

    [Fact]
    public void Artifacts_are_searched_as_separate_partitions()
    {
        var s = Base();
        s.Add(Cas("b", "other", 0, 1));
        s.Read("a", "other", 1);

        var report = RecordingReplay.Check(s.Read());

        Assert.True(report.Clean, report.FirstDivergence?.Message);
        Assert.Equal(2, report.Partitions);
    }

    [Fact]
    public void A_cache_hit_and_a_delivered_signal_are_checked_against_the_store_operations()
    {
        var s = Base();
        s.Add(new() { Op = RecordingOperation.CacheHit, Agent = "b", Key = Key("doc"), View = 2 });
        s.Add(new() { Op = RecordingOperation.SignalDelivered, Agent = "b", Key = Key("doc"), Version = 2, Issuer = "a", SignalKind = SignalKind.Commit });
        Assert.True(RecordingReplay.Check(s.Read()).Clean);

        s.Add(new() { Op = RecordingOperation.CacheHit, Agent = "b", Key = Key("doc"), View = 7 });
        Assert.Equal("HitFromView", RecordingReplay.Check(s.Read()).FirstDivergence?.Check);
        s.Edit(8, e => e with { Op = RecordingOperation.SignalDelivered, Version = 5, SignalKind = SignalKind.Commit });
        Assert.Equal("DeliveredWasSent", RecordingReplay.Check(s.Read()).FirstDivergence?.Check);
    }

    [Fact]
    public void A_write_line_without_a_key_is_a_format_error_naming_the_line()
    {
        var s = Base();
        s.Add(Cas("a", "doc", 2, 3) with { Key = null });

        var ex = Assert.Throws<RecordingFormatException>(() => RecordingReplay.Check(s.Read()));

        Assert.Equal(8, ex.Line);
        Assert.Contains("needs a key", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_observe_mode_override_is_a_counted_stale_apply_not_a_NoStaleApply_violation()
    {
        var s = Base();
        // b's CAS from v1 would be refused (VersionConflict); observe mode applied it anyway as v3, telling a.
        s.Add(Cas("b", "doc", 1, 3, null, null, "a") with { Op = RecordingOperation.Override });
        s.Read("a", "doc", 3);

        var report = RecordingReplay.Check(s.Read());

        Assert.True(report.Clean, report.FirstDivergence?.Message);
        Assert.Equal(1, report.Overrides);

        // The same entry as a plain CAS is a stale apply.
        s.Edit(6, e => e with { Op = RecordingOperation.CommitCas });
        Assert.Equal("NoStaleApply", RecordingReplay.Check(s.Read()).FirstDivergence?.Check);
    }
}

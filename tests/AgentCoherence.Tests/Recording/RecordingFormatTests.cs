using AgentCoherence.Recording;

namespace AgentCoherence.Tests.Recording;

public sealed class RecordingFormatTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static string Header(int version = 1) =>
        RecordingFormat.Serialize(new RecordingHeader { Process = "host/42/ab12", Started = T0, Version = version });

    private static RecordingEntry Cas(long seq) => new()
    {
        Seq = seq,
        Op = RecordingOperation.CommitCas,
        Agent = "planner",
        Key = "default/plan.md",
        Started = T0.AddMilliseconds(seq),
        Completed = T0.AddMilliseconds(seq + 1),
        Outcome = RecordingOutcome.Refused,
        OperationId = "op1",
        Expected = 1,
        Version = 2,
        Reason = RefusalReason.VersionConflict,
        Signals = [new RecordingSignal("default/plan.md", 2, "planner", SignalKind.Commit, "coder", 0)],
    };

    [Fact]
    public void An_entry_survives_a_round_trip_and_names_enums_in_camel_case()
    {
        var line = RecordingFormat.Serialize(Cas(1));
        Assert.Contains("\"op\":\"commitCas\"", line, StringComparison.Ordinal);
        Assert.Contains("\"reason\":\"versionConflict\"", line, StringComparison.Ordinal);
        Assert.DoesNotContain("\"content\"", line, StringComparison.Ordinal); // nulls are left out
        var file = RecordingReader.Parse(Header() + "\n" + line + "\n", "r.jsonl");
        var back = Assert.Single(file.Entries);
        Assert.Equal(Cas(1) with { Signals = null }, back with { Signals = null, File = null, Line = 0, Process = null });
        Assert.Equal(Cas(1).Signals, back.Signals);
        Assert.Equal("host/42/ab12", back.Process);
        Assert.Equal("r.jsonl:2", back.Source);
    }

    [Fact]
    public void A_truncated_last_line_is_reported_with_its_number()
    {
        var line = RecordingFormat.Serialize(Cas(1));
        var text = Header() + "\n" + line + "\n" + line[..(line.Length / 2)];
        var ex = Assert.Throws<RecordingFormatException>(() => RecordingReader.Parse(text, "r.jsonl"));
        Assert.Equal(3, ex.Line);
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_garbage_line_is_reported_with_its_number()
    {
        var text = Header() + "\n" + RecordingFormat.Serialize(Cas(1)) + "\nnot json at all\n" + RecordingFormat.Serialize(Cas(2)) + "\n";
        var ex = Assert.Throws<RecordingFormatException>(() => RecordingReader.Parse(text, "r.jsonl"));
        Assert.Equal(3, ex.Line);
        Assert.StartsWith("r.jsonl:3:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_operation_name_is_a_format_error_not_a_raw_json_exception()
    {
        var text = Header() + "\n" + RecordingFormat.Serialize(Cas(1)).Replace("commitCas", "teleport", StringComparison.Ordinal) + "\n";
        var ex = Assert.Throws<RecordingFormatException>(() => RecordingReader.Parse(text, "r.jsonl"));
        Assert.Equal(2, ex.Line);
    }

    [Fact]
    public void A_newer_schema_version_is_refused_as_unsupported()
    {
        var ex = Assert.Throws<UnsupportedRecordingSchemaException>(() => RecordingReader.Parse(Header(version: 2) + "\n", "r.jsonl"));
        Assert.Equal(2, ex.Version);
    }

    [Fact]
    public void A_file_that_is_not_a_recording_is_refused_at_line_1()
    {
        var ex = Assert.Throws<RecordingFormatException>(() => RecordingReader.Parse("{\"hello\":1}\n", "r.jsonl"));
        Assert.Equal(1, ex.Line);
    }

    [Fact]
    public async Task Files_of_two_processes_merge_by_time()
    {
        var dir = Directory.CreateTempSubdirectory("rec").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir, "a.jsonl"), Header() + "\n" + RecordingFormat.Serialize(Cas(1)) + "\n" + RecordingFormat.Serialize(Cas(5)) + "\n");
            var other = RecordingFormat.Serialize(new RecordingHeader { Process = "host/43/cd34", Started = T0 });
            await File.WriteAllTextAsync(Path.Combine(dir, "b.jsonl"), other + "\n" + RecordingFormat.Serialize(Cas(3)) + "\n");
            var merged = await RecordingReader.ReadMergedAsync([dir]);
            Assert.Equal([1L, 3L, 5L], merged.Select(e => e.Seq));
            Assert.Equal(["host/42/ab12", "host/43/cd34", "host/42/ab12"], merged.Select(e => e.Process));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

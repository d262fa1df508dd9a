using System.Text.Json;
using AgentCoherence.Recording;
using AgentCoherence.Testing;
using static AgentCoherence.Testing.RecordingScript;

namespace AgentCoherence.Cli.Tests;

/// <summary><c>coherence replay</c>: exit codes 0 to 3, the first divergence's step and check, the JSON shape.</summary>
public sealed class ReplayCommandTests : IDisposable
{
    private readonly TempDirectory _directory = new("agentcoherence-cli-tests");

    public void Dispose() => _directory.Dispose();

    private static RecordingScript Story()
    {
        var s = new RecordingScript();
        s.Register("a");
        s.Register("b");
        s.Add(Cas("a", "doc", 0, 1));
        s.Read("b", "doc", 1);
        s.Add(Cas("a", "doc", 1, 2, null, null, "b"));
        s.Add(Cas("b", "doc", 1, 2, RefusalReason.VersionConflict)); // entry 5, line 7
        s.Read("b", "doc", 2);
        return s;
    }

    private string Write(string name, string text)
    {
        var path = _directory.File(name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task A_clean_recording_exits_0()
    {
        var path = Write("clean.jsonl", Story().Text());

        var (exit, output, errors) = await StatusCommandTests.Run(null, "replay", path);

        Assert.Equal(0, exit);
        Assert.Equal(string.Empty, errors);
        Assert.Contains("clean", output, StringComparison.Ordinal);
        Assert.Contains("7 store operations", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_processes_files_in_a_directory_are_merged_and_replay_clean()
    {
        var s = Story();
        var first = new RecordingScript();
        var second = new RecordingScript();
        foreach (var e in s.Entries)
        {
            (e.Agent == "a" ? first : second).Add(e);
        }

        Write("a.jsonl", first.Text("host/1/a"));
        Write("b.jsonl", second.Text("host/2/b"));

        var (exit, output, _) = await StatusCommandTests.Run(null, "replay", _directory.Path);

        Assert.Equal(0, exit);
        Assert.Contains("7 store operations", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_lost_update_exits_1_naming_the_step_file_line_and_invariant()
    {
        var s = Story();
        s.Edit(5, e => e with { Outcome = RecordingOutcome.Ok, Reason = null });
        var path = Write("lost.jsonl", s.Text());

        var (exit, output, _) = await StatusCommandTests.Run(null, "replay", path);

        Assert.Equal(1, exit);
        Assert.Contains($"diverged at step 6 ({path}:7): UniqueVersion", output, StringComparison.Ordinal);
        Assert.Contains("replayed just before", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stale_apply_exits_1_naming_the_step_and_NoStaleApply()
    {
        var s = Story();
        s.Edit(5, e => e with { Outcome = RecordingOutcome.Ok, Reason = null, Version = 3 });
        var path = Write("stale.jsonl", s.Text());

        var (exit, output, _) = await StatusCommandTests.Run(null, "replay", path);

        Assert.Equal(1, exit);
        Assert.Contains($"diverged at step 6 ({path}:7): NoStaleApply", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_truncated_last_line_exits_2_naming_the_line()
    {
        var text = Story().Text();
        var path = Write("truncated.jsonl", text[..(text.Length - 20)]);

        var (exit, _, errors) = await StatusCommandTests.Run(null, "replay", path);

        Assert.Equal(2, exit);
        Assert.Contains($"{path}:8: truncated", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_garbage_line_exits_2_naming_the_line()
    {
        var lines = Story().Text().Split('\n').ToList();
        lines.Insert(3, "{not json");
        var path = Write("garbage.jsonl", string.Join('\n', lines));

        var (exit, _, errors) = await StatusCommandTests.Run(null, "replay", path);

        Assert.Equal(2, exit);
        Assert.Contains($"{path}:4:", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_file_exits_2_naming_it()
    {
        var (exit, _, errors) = await StatusCommandTests.Run(null, "replay", _directory.File("nope.jsonl"));

        Assert.Equal(2, exit);
        Assert.Contains("nope.jsonl: no such file", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Schema_version_2_exits_3()
    {
        var path = Write("v2.jsonl", Story().Text(schemaVersion: 2));

        var (exit, _, errors) = await StatusCommandTests.Run(null, "replay", path);

        Assert.Equal(3, exit);
        Assert.Contains("schema version 2 is not supported", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_output_has_the_documented_shape()
    {
        var s = Story();
        s.Edit(5, e => e with { Outcome = RecordingOutcome.Ok, Reason = null, Version = 3 });
        var path = Write("stale.jsonl", s.Text());

        var (exit, output, _) = await StatusCommandTests.Run(null, "replay", path, "--json");

        Assert.Equal(1, exit);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal("coherence-replay/1", root.GetProperty("format").GetString());
        Assert.Equal("diverged", root.GetProperty("status").GetString());
        Assert.Equal(1, root.GetProperty("exitCode").GetInt32());
        Assert.Equal(7, root.GetProperty("storeOperations").GetInt32());
        var first = root.GetProperty("divergences")[0];
        Assert.Equal(6, first.GetProperty("step").GetInt32());
        Assert.Equal($"{path}:7", first.GetProperty("source").GetString());
        Assert.Equal("NoStaleApply", first.GetProperty("check").GetString());
        Assert.Equal("commitCas", first.GetProperty("entry").GetProperty("op").GetString());
        Assert.Equal(4, first.GetProperty("context").GetArrayLength());
        Assert.Equal(JsonValueKind.String, first.GetProperty("expected").ValueKind);

        var (cleanExit, cleanOutput, _) = await StatusCommandTests.Run(null, "replay", Write("clean.jsonl", Story().Text()), "--json");
        Assert.Equal(0, cleanExit);
        using var clean = JsonDocument.Parse(cleanOutput);
        Assert.Equal("clean", clean.RootElement.GetProperty("status").GetString());
        Assert.Equal(0, clean.RootElement.GetProperty("divergences").GetArrayLength());
    }

    [Fact]
    public async Task Json_output_of_unreadable_input_names_file_and_line()
    {
        var text = Story().Text();
        var path = Write("truncated.jsonl", text[..(text.Length - 20)]);

        var (exit, output, _) = await StatusCommandTests.Run(null, "replay", path, "--json");

        Assert.Equal(2, exit);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("unreadable", json.RootElement.GetProperty("status").GetString());
        Assert.Equal(8, json.RootElement.GetProperty("error").GetProperty("line").GetInt32());
    }
}

using System.Text.Json;
using AgentCoherence.Cli.Tests.Diagnose;
using AgentCoherence.Recording;
using AgentCoherence.Testing;
using static AgentCoherence.Testing.RecordingScript;

namespace AgentCoherence.Cli.Tests;

/// <summary>A recording whose recorder dropped lines (a gap line): replay checks up to it and says so, diagnose notes it.</summary>
public sealed class RecordingGapCommandTests : IDisposable
{
    private readonly TempDirectory _directory = new("agentcoherence-cli-tests");

    public void Dispose() => _directory.Dispose();

    // Lines 2-4 clean, line 5 a gap of 4 dropped lines, line 6 a commit from v4 that the checked part cannot explain.
    private string GappedRecording()
    {
        var s = new RecordingScript();
        s.Register("a");
        s.Add(Cas("a", "doc", 0, 1));
        s.Add(Cas("a", "doc", 1, 2));
        s.Add(new RecordingEntry { Op = RecordingOperation.Gap, Dropped = 4 });
        s.Add(Cas("a", "doc", 4, 5));
        var path = _directory.File("gapped.jsonl");
        File.WriteAllText(path, s.Text());
        return path;
    }

    [Fact]
    public async Task Replay_of_a_recording_with_a_gap_checks_up_to_it_exits_0_and_names_it()
    {
        var path = GappedRecording();

        var (exit, printed, errors) = await StatusCommandTests.Run(null, "replay", path);
        var output = printed.ReplaceLineEndings(" ");

        Assert.Equal(0, exit);
        Assert.Equal(string.Empty, errors);
        Assert.Contains("incomplete", output, StringComparison.Ordinal);
        Assert.Contains($"dropped 4 lines at {path}:5", output, StringComparison.Ordinal);
        Assert.Contains("Only the 3 entries before it were checked; 2 entries from there on were not", output, StringComparison.Ordinal);
        Assert.Contains("clean up to the gap", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_json_of_a_recording_with_a_gap_says_incomplete_and_where()
    {
        var path = GappedRecording();

        var (exit, output, _) = await StatusCommandTests.Run(null, "replay", path, "--json");

        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal("incomplete", root.GetProperty("status").GetString());
        Assert.False(root.GetProperty("complete").GetBoolean());
        var gap = root.GetProperty("gap");
        Assert.Equal($"{path}:5", gap.GetProperty("source").GetString());
        Assert.Equal(5, gap.GetProperty("line").GetInt32());
        Assert.Equal(4, gap.GetProperty("dropped").GetInt64());
        Assert.Equal(2, gap.GetProperty("unchecked").GetInt32());
        Assert.Equal(3, root.GetProperty("storeOperations").GetInt32());
    }

    [Fact]
    public async Task Diagnose_notes_the_gap_in_its_summary_html_and_json_and_analyses_the_rest()
    {
        var text = DiagnoseCommandTests.Dirty().Text();
        var gap = RecordingFormat.Serialize(new RecordingEntry
        {
            Seq = 99,
            Op = RecordingOperation.Gap,
            Dropped = 12,
            Started = TraceBuilder.Start.AddHours(1),
            Completed = TraceBuilder.Start.AddHours(1).AddSeconds(2),
        });
        var path = _directory.File("dirty-gap.jsonl");
        await File.WriteAllTextAsync(path, text + gap + "\n");
        var gapLine = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length + 1;
        var html = _directory.File("report.html");

        var (exit, output, errors) = await StatusCommandTests.Run(null, "diagnose", path, "--html", html);
        var (_, jsonText, _) = await StatusCommandTests.Run(null, "diagnose", path, "--json");

        Assert.Equal(0, exit);
        Assert.Equal(string.Empty, errors);
        Assert.Contains("lines dropped by the recorder", output, StringComparison.Ordinal);
        Assert.Contains("The recording is incomplete: the recorder dropped 12 line(s) in 1 gap(s)", output.ReplaceLineEndings(" "), StringComparison.Ordinal);
        Assert.Contains("4 silent overwrite(s) lost 4 version(s)", output, StringComparison.Ordinal); // the rest is analysed
        var page = await File.ReadAllTextAsync(html);
        Assert.Contains("lines dropped by the recorder", page, StringComparison.Ordinal);
        Assert.Contains($"The recording is incomplete: the recorder dropped 12 line(s) in 1 gap(s), the first at {path}:{gapLine}", page, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(jsonText);
        var summary = json.RootElement.GetProperty("summary");
        Assert.False(summary.GetProperty("complete").GetBoolean());
        Assert.Equal(12, summary.GetProperty("droppedLines").GetInt64());
        Assert.Equal($"{path}:{gapLine}", summary.GetProperty("firstGap").GetString());
        Assert.Equal(4, summary.GetProperty("silentOverwrites").GetInt32());
    }
}

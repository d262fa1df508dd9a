using System.Diagnostics;
using System.Text.Json;
using AgentCoherence.Cli.Hook;
using AgentCoherence.Testing;
using AgentCoherence.Volume;
using Microsoft.Data.Sqlite;

namespace AgentCoherence.Cli.Tests;

/// <summary>
/// The Claude Code hooks end to end: the exact JSON Claude Code sends, piped to the built CLI
/// (<c>dotnet AgentCoherence.Cli.dll hook …</c>) as a child process per hook call, two session ids racing on one file.
/// </summary>
public sealed class ClaudeHookProcessTests : IDisposable
{
    private const string SessionA = "3f2b9c1e-6d7a-4f0e-9b1c-2a5d8e7f6c01";
    private const string SessionB = "a81c0d4e-52b7-4c39-8e6f-90d1b2c3e4f5";

    private readonly TempDirectory _repo = new("agentcoherence-claude-hook");

    public ClaudeHookProcessTests() => Directory.CreateDirectory(Path.Combine(_repo.Path, "plans"));

    private string Plan => Path.Combine(_repo.Path, "plans", "plan.md");

    [Fact]
    public async Task A_stale_edit_is_denied_naming_the_writer_and_version_and_passes_after_a_re_read()
    {
        await File.WriteAllTextAsync(Plan, "# Plan\n1. research\n");

        // Both sessions read the plan: v1 (the store adopts the file on its first read).
        Assert.Equal("{}", (await Hook("post-tool-use", Read(SessionA, Plan))).Stdout);
        Assert.Equal("{}", (await Hook("post-tool-use", Read(SessionB, Plan))).Stdout);
        Assert.Equal(1, (await Status("plans/plan.md")).Version);

        // A edits: allowed, then its new content is committed as v2.
        Assert.Equal("{}", (await Hook("pre-tool-use", Edit(SessionA, Plan, "1. research", "1. research\n2. draft"))).Stdout);
        await File.WriteAllTextAsync(Plan, "# Plan\n1. research\n2. draft\n");
        Assert.Equal("{}", (await Hook("post-tool-use", Edit(SessionA, Plan, "1. research", "1. research\n2. draft", post: true))).Stdout);
        var v2 = await Status("plans/plan.md");
        Assert.Equal(2, v2.Version);
        Assert.Equal(SessionA, v2.LastWriter?.ToString());

        // B still holds v1: its edit is denied, and the reason names A, v2 and the way out.
        var denied = await Hook("pre-tool-use", Edit(SessionB, Plan, "1. research", "1. research (done)"));
        var output = JsonDocument.Parse(denied.Stdout).RootElement.GetProperty("hookSpecificOutput");
        Assert.Equal("PreToolUse", output.GetProperty("hookEventName").GetString());
        Assert.Equal("deny", output.GetProperty("permissionDecision").GetString());
        var reason = output.GetProperty("permissionDecisionReason").GetString()!;
        Assert.Contains(SessionA, reason, StringComparison.Ordinal);
        Assert.Contains("version 2", reason, StringComparison.Ordinal);
        Assert.Contains("Re-read", reason, StringComparison.Ordinal);
        Assert.Equal(0, denied.ExitCode);
        Assert.Contains("deny", await File.ReadAllTextAsync(Path.Combine(_repo.Path, ClaudeHook.LogRelativePath)), StringComparison.Ordinal);

        // B re-reads; now its edit passes and lands as v3 on top of A's.
        Assert.Equal("{}", (await Hook("post-tool-use", Read(SessionB, Plan))).Stdout);
        Assert.Equal("{}", (await Hook("pre-tool-use", Write(SessionB, Plan, "# Plan\n1. research (done)\n2. draft\n"))).Stdout);
        await File.WriteAllTextAsync(Plan, "# Plan\n1. research (done)\n2. draft\n");
        Assert.Equal("{}", (await Hook("post-tool-use", Write(SessionB, Plan, "# Plan\n1. research (done)\n2. draft\n", post: true))).Stdout);
        var v3 = await Status("plans/plan.md");
        Assert.Equal(3, v3.Version);
        Assert.Equal(SessionB, v3.LastWriter?.ToString());

        // A's view is v2 now, so A is the stale one.
        var aDenied = await Hook("pre-tool-use", Edit(SessionA, Plan, "2. draft", "2. draft\n3. ship"));
        Assert.Contains("version 3", aDenied.Stdout, StringComparison.Ordinal);
        Assert.Contains(SessionB, aDenied.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_edit_that_raced_a_peer_between_its_check_and_its_write_is_recorded_and_the_model_told_to_check()
    {
        await File.WriteAllTextAsync(Plan, "v1\n");
        await Hook("post-tool-use", Read(SessionA, Plan));
        await Hook("post-tool-use", Read(SessionB, Plan));

        // Both checks pass before either edit lands.
        Assert.Equal("{}", (await Hook("pre-tool-use", Write(SessionA, Plan, "A\n"))).Stdout);
        Assert.Equal("{}", (await Hook("pre-tool-use", Write(SessionB, Plan, "B\n"))).Stdout);
        await File.WriteAllTextAsync(Plan, "A\n");
        Assert.Equal("{}", (await Hook("post-tool-use", Write(SessionA, Plan, "A\n", post: true))).Stdout);
        await File.WriteAllTextAsync(Plan, "B\n");
        var told = await Hook("post-tool-use", Write(SessionB, Plan, "B\n", post: true));

        var answer = JsonDocument.Parse(told.Stdout).RootElement;
        Assert.Equal("block", answer.GetProperty("decision").GetString());
        var reason = answer.GetProperty("reason").GetString()!;
        Assert.Contains($"session {SessionA} committed version 2", reason, StringComparison.Ordinal);
        Assert.Contains("version 3", reason, StringComparison.Ordinal);
        Assert.Contains("Re-read", reason, StringComparison.Ordinal);
        Assert.Equal(3, (await Status("plans/plan.md")).Version);
    }

    [Fact]
    public async Task In_observe_mode_a_stale_edit_is_let_through_with_a_warning_and_recorded()
    {
        Directory.CreateDirectory(Path.Combine(_repo.Path, ".coherence"));
        await File.WriteAllTextAsync(Path.Combine(_repo.Path, HookSettings.RelativePath), """{ "mode": "observe" }""");
        await File.WriteAllTextAsync(Plan, "v1\n");
        await Hook("post-tool-use", Read(SessionA, Plan));
        await Hook("post-tool-use", Read(SessionB, Plan));
        await Hook("pre-tool-use", Write(SessionA, Plan, "A\n"));
        await File.WriteAllTextAsync(Plan, "A\n");
        Assert.Equal("{}", (await Hook("post-tool-use", Write(SessionA, Plan, "A\n", post: true))).Stdout);

        // B's view is v1: enforce would deny; observe lets the edit go on and warns the user.
        var pre = JsonDocument.Parse((await Hook("pre-tool-use", Write(SessionB, Plan, "B\n"))).Stdout).RootElement;
        Assert.False(pre.TryGetProperty("hookSpecificOutput", out _));
        var warning = pre.GetProperty("systemMessage").GetString()!;
        Assert.Contains("observe mode", warning, StringComparison.Ordinal);
        Assert.Contains(SessionA, warning, StringComparison.Ordinal);
        Assert.Contains("version 2", warning, StringComparison.Ordinal);

        await File.WriteAllTextAsync(Plan, "B\n");
        var post = JsonDocument.Parse((await Hook("post-tool-use", Write(SessionB, Plan, "B\n", post: true))).Stdout).RootElement;
        Assert.False(post.TryGetProperty("decision", out _));
        Assert.Contains("recorded as version 3", post.GetProperty("systemMessage").GetString()!, StringComparison.Ordinal);
        var v3 = await Status("plans/plan.md");
        Assert.Equal(3, v3.Version);
        Assert.Equal(SessionB, v3.LastWriter?.ToString());
        Assert.Contains("warn", await File.ReadAllTextAsync(Path.Combine(_repo.Path, ClaudeHook.LogRelativePath)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_mode_that_is_not_enforce_or_observe_denies_edits_naming_the_setting()
    {
        Directory.CreateDirectory(Path.Combine(_repo.Path, ".coherence"));
        await File.WriteAllTextAsync(Path.Combine(_repo.Path, HookSettings.RelativePath), """{ "mode": "watch" }""");
        var denied = await Hook("pre-tool-use", Write(SessionA, Plan, "x\n"));
        Assert.Contains("\\u0022mode\\u0022 must be", denied.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unmanaged_file_passes_untouched_and_no_store_is_created()
    {
        var source = Path.Combine(_repo.Path, "src", "app.cs");
        Directory.CreateDirectory(Path.GetDirectoryName(source)!);
        await File.WriteAllTextAsync(source, "class App {}\n");

        Assert.Equal("{}", (await Hook("post-tool-use", Read(SessionA, source))).Stdout);
        Assert.Equal("{}", (await Hook("pre-tool-use", Write(SessionB, source, "class App { }\n"))).Stdout);
        Assert.Equal("{}", (await Hook("post-tool-use", Write(SessionB, source, "class App { }\n", post: true))).Stdout);
        Assert.Equal("{}", (await Hook("pre-tool-use", Edit(SessionB, "/etc/hosts", "a", "b"))).Stdout);

        Assert.False(Directory.Exists(Path.Combine(_repo.Path, CoherentVolume.StateDirectoryName)));
    }

    [Fact]
    public async Task The_settings_file_chooses_the_managed_files()
    {
        Directory.CreateDirectory(Path.Combine(_repo.Path, ".coherence"));
        await File.WriteAllTextAsync(Path.Combine(_repo.Path, HookSettings.RelativePath), """{ "managed": ["docs/*.md"] }""");
        await File.WriteAllTextAsync(Path.Combine(_repo.Path, "CLAUDE.md"), "# Notes\n");
        Directory.CreateDirectory(Path.Combine(_repo.Path, "docs"));
        var guide = Path.Combine(_repo.Path, "docs", "guide.md");
        await File.WriteAllTextAsync(guide, "# Guide\n");

        await Hook("post-tool-use", Read(SessionA, Path.Combine(_repo.Path, "CLAUDE.md")));
        await Hook("post-tool-use", Read(SessionA, guide));

        Assert.False((await Status("CLAUDE.md", "**/*")).IsTracked);
        Assert.Equal(1, (await Status("docs/guide.md", "**/*")).Version);
    }

    [Fact]
    public async Task A_new_managed_file_written_by_one_session_is_denied_to_a_session_that_never_read_it()
    {
        var notes = Path.Combine(_repo.Path, "plans", "notes.md");
        Assert.Equal("{}", (await Hook("pre-tool-use", Write(SessionA, notes, "first\n"))).Stdout);
        await File.WriteAllTextAsync(notes, "first\n");
        Assert.Equal("{}", (await Hook("post-tool-use", Write(SessionA, notes, "first\n", post: true))).Stdout);
        Assert.Equal(1, (await Status("plans/notes.md")).Version);

        var denied = await Hook("pre-tool-use", Write(SessionB, notes, "second\n"));
        Assert.Contains("\"permissionDecision\":\"deny\"", denied.Stdout, StringComparison.Ordinal);
        Assert.Contains("has not read plans/notes.md", denied.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_check_that_misses_its_deadline_denies_a_managed_edit_and_logs_why()
    {
        await File.WriteAllTextAsync(Plan, "v1\n");
        await Hook("post-tool-use", Read(SessionA, Plan));
        await File.WriteAllTextAsync(Path.Combine(_repo.Path, HookSettings.RelativePath), """{ "deadlineMs": 300 }""");

        // Another process holds the store's file locked (exclusive locking mode: readers wait too) for longer
        // than the deadline and the store's own busy timeout.
        await using var holder = await LockStoreAsync();

        var denied = await Hook("pre-tool-use", Edit(SessionA, Plan, "v1", "v2"));
        var output = JsonDocument.Parse(denied.Stdout).RootElement.GetProperty("hookSpecificOutput");
        Assert.Equal("deny", output.GetProperty("permissionDecision").GetString());
        Assert.Contains("did not finish within 300 ms", output.GetProperty("permissionDecisionReason").GetString(), StringComparison.Ordinal);

        // The same store, an unmanaged file: not held up at all.
        Assert.Equal("{}", (await Hook("pre-tool-use", Edit(SessionA, Path.Combine(_repo.Path, "README.md"), "a", "b"))).Stdout);
        Assert.Contains("timeout", await File.ReadAllTextAsync(Path.Combine(_repo.Path, ClaudeHook.LogRelativePath)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_edit_that_cannot_be_recorded_before_the_deadline_is_reported_to_the_model()
    {
        await File.WriteAllTextAsync(Plan, "v1\n");
        await Hook("post-tool-use", Read(SessionA, Plan));
        await File.WriteAllTextAsync(Path.Combine(_repo.Path, HookSettings.RelativePath), """{ "deadlineMs": 300 }""");
        await using var holder = await LockStoreAsync();
        await File.WriteAllTextAsync(Plan, "v2\n");

        var told = await Hook("post-tool-use", Write(SessionA, Plan, "v2\n", post: true));

        var answer = JsonDocument.Parse(told.Stdout).RootElement;
        Assert.Equal("block", answer.GetProperty("decision").GetString());
        Assert.Contains("not recorded as a new version", answer.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_hook_event_is_refused_by_the_command_line()
    {
        using var errors = new StringWriter();

        var exit = await CliApp.Create(errors: errors).RunAsync(["hook", "session-start"]);

        Assert.NotEqual(0, exit);
    }

    [Fact]
    public async Task Settings_that_are_not_valid_deny_edits_with_the_problem()
    {
        Directory.CreateDirectory(Path.Combine(_repo.Path, ".coherence"));
        await File.WriteAllTextAsync(Path.Combine(_repo.Path, HookSettings.RelativePath), """{ "managed": "plans/**" }""");

        var denied = await Hook("pre-tool-use", Edit(SessionA, Plan, "a", "b"));

        Assert.Contains("\"permissionDecision\":\"deny\"", denied.Stdout, StringComparison.Ordinal);
        Assert.Contains("must be an array", denied.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Input_that_is_not_a_hook_call_is_an_error_on_stderr()
    {
        var result = await Hook("pre-tool-use", "not json");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("not JSON", result.Stderr, StringComparison.Ordinal);
    }

    public void Dispose() => _repo.Dispose();

    // What Claude Code sends (hooks reference): the common fields, then the tool's name and input; PostToolUse adds tool_response.
    private string Read(string session, string file) => Input(session, "PostToolUse", "Read", new { file_path = file }, new { type = "text", file = new { filePath = file } });

    private string Edit(string session, string file, string oldText, string newText, bool post = false) =>
        Input(session, post ? "PostToolUse" : "PreToolUse", "Edit", new { file_path = file, old_string = oldText, new_string = newText, replace_all = false }, post ? new { filePath = file, success = true } : null);

    private string Write(string session, string file, string content, bool post = false) =>
        Input(session, post ? "PostToolUse" : "PreToolUse", "Write", new { file_path = file, content }, post ? new { filePath = file, success = true } : null);

    private string Input(string session, string eventName, string tool, object toolInput, object? toolResponse)
    {
        var input = new Dictionary<string, object?>
        {
            ["session_id"] = session,
            ["transcript_path"] = $"/home/dev/.claude/projects/repo/{session}.jsonl",
            ["cwd"] = _repo.Path,
            ["permission_mode"] = "default",
            ["hook_event_name"] = eventName,
            ["tool_name"] = tool,
            ["tool_input"] = toolInput,
            ["tool_use_id"] = "toolu_01" + Guid.NewGuid().ToString("N")[..20],
        };
        if (toolResponse is not null)
        {
            input["tool_response"] = toolResponse;
        }

        return JsonSerializer.Serialize(input);
    }

    private async Task<SqliteConnection> LockStoreAsync()
    {
        var holder = new SqliteConnection($"Data Source={CoherentVolume.DefaultDatabasePath(_repo.Path)};Pooling=false");
        await holder.OpenAsync();
        await using var command = holder.CreateCommand();
        command.CommandText = "PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE; SELECT count(*) FROM sqlite_master;";
        await command.ExecuteScalarAsync();
        return holder;
    }

    private async Task<ArtifactStatus> Status(string path, string glob = "**/*")
    {
        var options = new VolumeOptions { Managed = [glob], Coherence = new CoherenceOptions { CrashRecovery = { Enabled = false } } };
        await using var volume = await CoherentVolume.OpenAsync(_repo.Path, "test-inspector", options);
        return await volume.InspectAsync(path);
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> Hook(string argument, string stdin)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(BuiltCli);
        start.ArgumentList.Add("hook");
        start.ArgumentList.Add(argument);
        start.Environment.Remove("CLAUDE_PROJECT_DIR");
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, (await stdout).Trim(), await stderr);
    }

    // The CLI as built next to the tests (the project reference copies it with its runtime config).
    private static string BuiltCli
    {
        get
        {
            var path = Path.Combine(AppContext.BaseDirectory, "AgentCoherence.Cli.dll");
            Assert.True(File.Exists(Path.ChangeExtension(path, ".runtimeconfig.json")), "The built CLI's runtime config is missing next to the tests: " + path);
            return path;
        }
    }
}

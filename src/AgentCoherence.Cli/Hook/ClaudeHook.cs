using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AgentCoherence.Volume;

namespace AgentCoherence.Cli.Hook;

/// <summary>
/// <c>coherence hook pre-tool-use|post-tool-use</c>: one Claude Code hook invocation. Reads the hook input
/// (JSON on stdin), answers with the hook output (JSON on stdout, exit code 0). Managed files (globs from
/// <c>.coherence/claude.json</c>) go through the repository's <see cref="CoherentVolume"/>, with the session id
/// as the agent id: <c>Read</c> registers the session's view, <c>Edit</c>/<c>Write</c>/<c>MultiEdit</c> are denied
/// while that view is stale, and the content an edit left on disk is committed as the next version. Any
/// other file passes untouched (no store is opened). Work is bounded by a deadline; a managed edit whose check
/// does not finish in time, or fails, is denied (fail closed) and the reason is logged.
/// </summary>
internal static class ClaudeHook
{
    /// <summary>The log of denials, failures and timeouts, relative to the repository root.</summary>
    public const string LogRelativePath = ".coherence/claude-hook.log";

    private static readonly string[] EditTools = ["Edit", "Write", "MultiEdit"];

    /// <summary>The CLI argument for each hook event and the event name Claude Code uses.</summary>
    public static string? EventNameOf(string argument) => argument switch
    {
        "pre-tool-use" => "PreToolUse",
        "post-tool-use" => "PostToolUse",
        _ => null,
    };

    /// <param name="argument"><c>pre-tool-use</c> or <c>post-tool-use</c>.</param>
    /// <param name="input">The hook input Claude Code writes on stdin.</param>
    /// <param name="output">Where the hook output goes (stdout).</param>
    /// <param name="errors">Where usage errors go (stderr).</param>
    /// <param name="projectDirectory">Claude Code's <c>CLAUDE_PROJECT_DIR</c>; the input's <c>cwd</c> when null.</param>
    /// <returns>The exit code: 0 with a JSON answer, 1 for input that is not a hook invocation at all.</returns>
    public static async Task<int> RunAsync(string argument, Stream input, TextWriter output, TextWriter errors, string? projectDirectory, CancellationToken cancellationToken = default)
    {
        var eventName = EventNameOf(argument);
        if (eventName is null)
        {
            await errors.WriteLineAsync($"coherence hook: unknown event '{argument}'; expected pre-tool-use or post-tool-use.");
            return 1;
        }

        HookInput hook;
        try
        {
            hook = await HookInput.ReadAsync(input, cancellationToken);
        }
        catch (HookInputException ex)
        {
            await errors.WriteLineAsync("coherence hook: " + ex.Message);
            return 1;
        }

        if (hook.EventName is { } declared && declared != eventName)
        {
            await errors.WriteLineAsync($"coherence hook: the input is a {declared} event but the command was 'hook {argument}'; check the plugin's hooks.json.");
            return 1;
        }

        var answer = await AnswerAsync(eventName, hook, projectDirectory, cancellationToken);
        await output.WriteAsync(answer.ToJson(eventName));
        await output.FlushAsync(cancellationToken);
        return 0;
    }

    private static async Task<HookAnswer> AnswerAsync(string eventName, HookInput hook, string? projectDirectory, CancellationToken cancellationToken)
    {
        var pre = eventName == "PreToolUse";
        var isRead = hook.ToolName == "Read";
        var isEdit = EditTools.Contains(hook.ToolName, StringComparer.Ordinal);
        if (hook.FilePath is null || !(isEdit || (isRead && !pre)))
        {
            return HookAnswer.Pass;
        }

        var root = Path.GetFullPath(string.IsNullOrEmpty(projectDirectory) ? hook.Cwd ?? Directory.GetCurrentDirectory() : projectDirectory);
        var relative = RelativePath(root, hook.FilePath);
        if (relative is null)
        {
            return HookAnswer.Pass;
        }

        HookSettings settings;
        try
        {
            settings = HookSettings.Load(root);
        }
        catch (HookSettingsException ex)
        {
            // Which files are managed is unknown: an edit is refused rather than let through unchecked.
            Log(root, eventName, hook, relative, "settings: " + ex.Message);
            return pre ? HookAnswer.Deny(ex.Message + " Fix the file, then retry the edit.") : HookAnswer.Block(ex.Message);
        }

        if (!settings.IsManaged(relative))
        {
            return HookAnswer.Pass;
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var work = Task.Run(() => HandleManagedAsync(pre, isRead, root, relative, hook.SessionId!, settings, deadline.Token), CancellationToken.None);
        var first = await Task.WhenAny(work, Task.Delay(settings.Deadline, CancellationToken.None));
        if (first != work)
        {
            await deadline.CancelAsync();
            var why = $"the coherence check of {relative} did not finish within {settings.Deadline.TotalMilliseconds:0} ms (the store under .coherence/ is busy or unreachable)";
            Log(root, eventName, hook, relative, "timeout: " + why);
            return pre
                ? HookAnswer.Deny($"Refused: {why}, so the edit could overwrite a newer version. Retry the edit in a moment; if this repeats, see {LogRelativePath}.")
                : HookAnswer.Block($"Your edit of {relative} is on disk, but {why}, so it was not recorded as a new version. Read the file again before editing it.");
        }

        try
        {
            var answer = await work;
            if (answer.Reason is { } reason)
            {
                Log(root, eventName, hook, relative, answer.Decision + ": " + reason);
            }

            return answer;
        }
        catch (Exception ex)
        {
            Log(root, eventName, hook, relative, "error: " + ex.GetType().Name + ": " + ex.Message);
            return pre
                ? HookAnswer.Deny($"Refused: the coherence check of {relative} failed ({ex.Message}), so the edit could overwrite a newer version. Read the file again, then retry; if this repeats, see {LogRelativePath}.")
                : HookAnswer.Block($"Your edit of {relative} is on disk, but coherence could not record it as a new version ({ex.Message}). Read the file again before editing it.");
        }
    }

    private static async Task<HookAnswer> HandleManagedAsync(bool pre, bool isRead, string root, string relative, string session, HookSettings settings, CancellationToken cancellationToken)
    {
        var options = new VolumeOptions
        {
            Managed = [.. settings.Managed],

            // The process ends after this one call: the session's view must outlive it.
            Coherence = new CoherenceOptions { KeepViewsOnDispose = true },
            Mode = settings.Mode,
        };
        await using var volume = await CoherentVolume.OpenAsync(root, session, options, cancellationToken);
        if (pre)
        {
            var status = await volume.InspectAsync(relative, cancellationToken);
            if (!IsStale(status, volume.AgentId))
            {
                return HookAnswer.Pass;
            }

            // Observe mode: the edit goes on; the user is told what enforcement would have denied.
            return settings.Mode == CoherenceMode.Observe
                ? HookAnswer.Warn($"coherence (observe mode) would deny this edit: {StaleReason(relative, status, volume.AgentId)}")
                : HookAnswer.Deny(StaleReason(relative, status, volume.AgentId));
        }

        if (isRead)
        {
            await RegisterReadAsync(volume, relative, cancellationToken);
            return HookAnswer.Pass;
        }

        return await CommitEditAsync(volume, relative, settings.Mode, cancellationToken);
    }

    // The session read the file: its view is the version now on disk.
    private static async Task RegisterReadAsync(CoherentVolume volume, string relative, CancellationToken cancellationToken)
    {
        try
        {
            await volume.ReadAsync(relative, cancellationToken);
        }
        catch (ForeignEditException)
        {
            // Changed outside the edit tools (an editor, a shell command): what the session just read is
            // what is on disk, so that becomes the current version.
            await RetryWhileHeldAsync(() => volume.AdoptAsync(relative, cancellationToken), cancellationToken);
        }
        catch (ArtifactNotFoundException)
        {
            // Nothing to read: no view.
        }
    }

    // The edit tool wrote the file itself; its content becomes the version after the session's view.
    private static async Task<HookAnswer> CommitEditAsync(CoherentVolume volume, string relative, CoherenceMode mode, CancellationToken cancellationToken)
    {
        var before = await volume.InspectAsync(relative, cancellationToken);
        var stale = IsStale(before, volume.AgentId);
        var disk = ReadDisk(Path.Combine(volume.Root, relative));
        if (!stale && disk is not null && before.Exists && Sha256(disk) == before.ContentHash)
        {
            // The edit changed nothing: no new version, the view stays current.
            await volume.ReadAsync(relative, cancellationToken);
            return HookAnswer.Pass;
        }

        var version = await RetryWhileHeldAsync(() => volume.AdoptAsync(relative, cancellationToken), cancellationToken);
        if (!stale)
        {
            return HookAnswer.Pass;
        }

        if (mode == CoherenceMode.Observe)
        {
            return HookAnswer.Warn(
                $"coherence (observe mode): this session's edit of {relative} was made from a stale view (session {before.LastWriter} had committed version {before.Version}); it was recorded as version {version}. Enforce mode would have denied it.");
        }

        // A peer committed between this edit's check and its write: the edit landed on top of the peer's
        // version (Edit applies to what is on disk; Write replaces it). Recorded, and the model is told to check.
        return HookAnswer.Block(
            $"While this edit ran, session {before.LastWriter} committed version {before.Version} of {relative}; your edit was recorded on top of it as version {version}. "
            + $"Re-read {relative} with the Read tool and check that the other session's change survived (a Write replaces the whole file).");
    }

    private static bool IsStale(ArtifactStatus status, AgentId me)
    {
        if (!status.Exists)
        {
            return false;
        }

        var mine = status.HolderOf(me);
        return mine is null || mine.State == HolderState.Invalid || mine.ViewVersion != status.Version;
    }

    private static string StaleReason(string relative, ArtifactStatus status, AgentId me)
    {
        var mine = status.HolderOf(me);
        var v = status.Version.ToString(CultureInfo.InvariantCulture);
        var who = status.LastWriter is { } writer && writer != me ? $"session {writer}" : "another writer";
        return mine is null || mine.ViewVersion == 0
            ? $"Refused: this session has not read {relative} since it became version {v} ({who} wrote it). Re-read it with the Read tool, then redo the edit on the current content."
            : $"Refused: {relative} changed since this session read it: {who} committed version {v} (this session read version {mine.ViewVersion.ToString(CultureInfo.InvariantCulture)}). Re-read it with the Read tool, then redo the edit on the current content.";
    }

    // A peer's hook holds the grant for the few milliseconds of its commit: wait for it, within the deadline.
    private static async Task<T> RetryWhileHeldAsync<T>(Func<ValueTask<T>> action, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await action();
            }
            catch (HeldByOtherException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(200, 10 * attempt)), cancellationToken);
            }
        }
    }

    private static byte[]? ReadDisk(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    // The file's path relative to the repository, '/'-separated; null when it lies outside the repository.
    private static string? RelativePath(string root, string filePath)
    {
        var full = Path.GetFullPath(filePath, root);
        var relative = Path.GetRelativePath(root, full);
        if (relative == "." || Path.IsPathRooted(relative) || relative == ".." || relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            return null;
        }

        return relative.Replace(Path.DirectorySeparatorChar, '/');
    }

    private static void Log(string root, string eventName, HookInput hook, string relative, string message)
    {
        try
        {
            var directory = Path.Combine(root, CoherentVolume.StateDirectoryName);
            Directory.CreateDirectory(directory);
            var line = string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow:O} {eventName} {hook.ToolName} session={hook.SessionId} file={relative} {message.ReplaceLineEndings(" ")}{Environment.NewLine}");
            File.AppendAllText(Path.Combine(root, LogRelativePath), line, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The answer matters more than the log line.
        }
    }
}

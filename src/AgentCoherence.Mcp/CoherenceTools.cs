using System.ComponentModel;
using System.Text.Json.Nodes;
using AgentCoherence.Volume;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using AgentCoherence.Protocol;

namespace AgentCoherence.Mcp;

/// <summary>
/// The server's tools. Every call names its <c>agent</c>: the server keeps one view per agent name, so a write
/// from an agent whose last read is older than a peer's commit is refused instead of silently clobbering it.
/// Failures are not thrown to the SDK as they are: <see cref="CoherenceMcpServer"/>'s call filter turns them
/// into structured tool errors (<see cref="ToolRefusals"/>).
/// </summary>
[McpServerToolType]
internal sealed class CoherenceTools(AgentVolumes volumes)
{
    private const string AgentDescription =
        "Your agent name (1-128 characters, no whitespace, not starting with '#'). Use the same name on every call: the server keeps one view per name.";

    private const string PathDescription = "The file, relative to the volume root, with '/' separators (for example plans/plan.md).";

    private const int MaxStatusFiles = 500;

    [McpServerTool(Name = "read", Title = "Read a file", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Reads a file: its content and version. Registers your view of that version; a later write is checked against it. "
        + "Unmanaged files read as version 0.")]
    public async Task<CallToolResult> ReadAsync(
        [Description(AgentDescription)] string agent,
        [Description(PathDescription)] string path,
        CancellationToken cancellationToken)
    {
        var volume = await volumes.ForAgentAsync(agent, cancellationToken).ConfigureAwait(false);
        return FileResult(agent, await volume.ReadAsync(path, cancellationToken).ConfigureAwait(false), includeContent: true);
    }

    [McpServerTool(Name = "reacquire", Title = "Re-read a file after a refusal", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Re-reads a file from the store and the disk: the recovery step after a stale_view or stale_epoch refusal. "
        + "Re-derive your change from the returned content, then write again.")]
    public async Task<CallToolResult> ReacquireAsync(
        [Description(AgentDescription)] string agent,
        [Description(PathDescription)] string path,
        CancellationToken cancellationToken)
    {
        var volume = await volumes.ForAgentAsync(agent, cancellationToken).ConfigureAwait(false);
        return FileResult(agent, await volume.ReacquireAsync(path, cancellationToken).ConfigureAwait(false), includeContent: true);
    }

    [McpServerTool(Name = "write", Title = "Write a file", Destructive = true, Idempotent = false, OpenWorld = false)]
    [Description("Replaces a file's whole content. For an existing managed file you must have read its current version first: "
        + "if another agent committed since your last read, the write is refused (stale_view) and nothing is written; call reacquire, "
        + "re-derive your change, and write again. Returns the new version.")]
    public async Task<CallToolResult> WriteAsync(
        [Description(AgentDescription)] string agent,
        [Description(PathDescription)] string path,
        [Description("The file's new full text.")] string content,
        CancellationToken cancellationToken)
    {
        var volume = await volumes.ForAgentAsync(agent, cancellationToken).ConfigureAwait(false);
        return FileResult(agent, await volume.WriteAsync(path, content, cancellationToken).ConfigureAwait(false), includeContent: false);
    }

    [McpServerTool(Name = "write_cas", Title = "Write a file if it is still at a version", Destructive = true, Idempotent = false, OpenWorld = false)]
    [Description("Compare-and-set write of a managed file: lands only if the file is still at expected_version (0 creates a new file). "
        + "If it moved, the write is refused (version_conflict, with current_version) and nothing is written: re-read, merge, retry.")]
    public async Task<CallToolResult> WriteCasAsync(
        [Description(AgentDescription)] string agent,
        [Description(PathDescription)] string path,
        [Description("The file's new full text.")] string content,
#pragma warning disable CA1707 // MCP argument names are snake_case on the wire.
        [Description("The version your content was derived from (from read); 0 creates a file that never existed.")] long expected_version,
#pragma warning restore CA1707
        CancellationToken cancellationToken)
    {
        var volume = await volumes.ForAgentAsync(agent, cancellationToken).ConfigureAwait(false);
        return FileResult(agent, await volume.WriteCasAsync(path, content, expected_version, cancellationToken).ConfigureAwait(false), includeContent: false);
    }

    [McpServerTool(Name = "adopt", Title = "Accept a file changed outside the volume", Destructive = false, Idempotent = false, OpenWorld = false)]
    [Description("Accepts what is on disk as a new version of a managed file (a deleted file becomes a delete): the answer to a foreign_edit refusal, "
        + "after you inspected the file. Returns the new version.")]
    public async Task<CallToolResult> AdoptAsync(
        [Description(AgentDescription)] string agent,
        [Description(PathDescription)] string path,
        CancellationToken cancellationToken)
    {
        var volume = await volumes.ForAgentAsync(agent, cancellationToken).ConfigureAwait(false);
        var version = await volume.AdoptAsync(path, cancellationToken).ConfigureAwait(false);
        return ToolResults.Success(new JsonObject { ["agent"] = agent, ["path"] = Normalize(volume, path), ["version"] = version });
    }

    [McpServerTool(Name = "publish", Title = "Write several files, all or none", Destructive = true, Idempotent = false, OpenWorld = false)]
    [Description("Writes several managed files atomically: each item lands only if its file is still at its expected_version, and either every file "
        + "lands or none does. A refusal (batch_conflict) lists each refused file in conflicts: its index in items, path, reason, current_version "
        + "and expected_version.")]
    public async Task<CallToolResult> PublishAsync(
        [Description(AgentDescription)] string agent,
        [Description("The files to write: path, content and the expected_version each was derived from.")] PublishFile[] items,
        CancellationToken cancellationToken)
    {
        var volume = await volumes.ForAgentAsync(agent, cancellationToken).ConfigureAwait(false);
        if (items is null || items.Length == 0)
        {
            throw new ArgumentException("publish needs at least one item.", nameof(items));
        }

        var files = await volume.PublishAsync(items.Select(i => new VolumePublishItem(i.Path, i.Content, i.ExpectedVersion)), cancellationToken).ConfigureAwait(false);
        var list = new JsonArray();
        foreach (var file in files)
        {
            list.Add(new JsonObject { ["path"] = file.Path, ["version"] = file.Version });
        }

        return ToolResults.Success(new JsonObject { ["agent"] = agent, ["files"] = list });
    }

    [McpServerTool(Name = "status", Title = "Volume status", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Lists the managed files (or one file) with version, last writer, who holds the write grant, and your own view: "
        + "your_state (M/E/S/I) and whether your view is current (a write would not be refused as stale).")]
    public async Task<CallToolResult> StatusAsync(
        [Description(AgentDescription)] string agent,
        [Description("One file to report; every managed file on disk when omitted.")] string? path = null,
        CancellationToken cancellationToken = default)
    {
        var volume = await volumes.ForAgentAsync(agent, cancellationToken).ConfigureAwait(false);
        var files = new JsonArray();
        var truncated = false;
        if (path is not null)
        {
            files.Add(await FileStatusAsync(volume, agent, path, cancellationToken).ConfigureAwait(false));
        }
        else
        {
            var names = volume.ManagedFiles();
            truncated = names.Count > MaxStatusFiles;
            foreach (var name in names.Take(MaxStatusFiles))
            {
                files.Add(await FileStatusAsync(volume, agent, name, cancellationToken).ConfigureAwait(false));
            }
        }

        var managed = new JsonArray();
        foreach (var glob in volumes.Managed)
        {
            managed.Add(glob);
        }

        var agents = new JsonArray();
        foreach (var name in volumes.Agents)
        {
            agents.Add(name);
        }

        return ToolResults.Success(new JsonObject
        {
            ["agent"] = agent,
            ["root"] = volume.Root,
            ["managed"] = managed,
            ["agents"] = agents,
            ["files"] = files,
            ["truncated"] = truncated,
        });
    }

    private static async Task<JsonObject> FileStatusAsync(CoherentVolume volume, string agent, string path, CancellationToken cancellationToken)
    {
        var name = Normalize(volume, path);
        if (!volume.IsManaged(path))
        {
            return new JsonObject { ["path"] = name, ["managed"] = false };
        }

        var status = await volume.InspectAsync(path, cancellationToken).ConfigureAwait(false);
        if (!status.IsTracked)
        {
            return new JsonObject { ["path"] = name, ["managed"] = true, ["tracked"] = false, ["version"] = 0 };
        }

        var mine = status.HolderOf(volume.AgentId);
        return new JsonObject
        {
            ["path"] = name,
            ["managed"] = true,
            ["tracked"] = true,
            ["version"] = status.Version,
            ["deleted"] = status.IsDeleted,
            ["sha256"] = status.ContentHash,
            ["last_writer"] = status.LastWriter?.Value,
            ["grant_holder"] = status.GrantHolder?.Value,
            ["your_state"] = mine is null ? null : mine.State.Letter().ToString(),
            ["your_view_version"] = mine?.ViewVersion,
            ["current"] = mine is not null && mine.State != HolderState.Invalid && mine.ViewVersion == status.Version,
        };
    }

    private static string Normalize(CoherentVolume volume, string path) => volume.KeyOf(path).Name;

    private static CallToolResult FileResult(string agent, VolumeFile file, bool includeContent)
    {
        var payload = new JsonObject
        {
            ["agent"] = agent,
            ["path"] = file.Path,
            ["version"] = file.Version,
            ["managed"] = file.IsManaged,
        };
        if (includeContent)
        {
            payload["content"] = file.Content;
        }

        return ToolResults.Success(payload);
    }
}

using System.Text.Json;

namespace AgentCoherence.Cli.Hook;

/// <summary>
/// The fields of Claude Code's hook input (JSON on stdin) the hook uses: <c>session_id</c>, <c>cwd</c>,
/// <c>hook_event_name</c>, <c>tool_name</c> and <c>tool_input.file_path</c>. Other fields are ignored.
/// </summary>
internal sealed record HookInput(string SessionId, string? Cwd, string? EventName, string? ToolName, string? FilePath)
{
    /// <exception cref="HookInputException">The input is not a JSON object with a session id.</exception>
    public static async Task<HookInput> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(stream, default, cancellationToken);
        }
        catch (JsonException ex)
        {
            throw new HookInputException("the input on stdin is not JSON (" + ex.Message + "); Claude Code sends one JSON object per hook call.");
        }

        using (document)
        {
            var json = document.RootElement;
            if (json.ValueKind != JsonValueKind.Object)
            {
                throw new HookInputException("the input on stdin must be one JSON object.");
            }

            var session = Text(json, "session_id");
            if (string.IsNullOrWhiteSpace(session))
            {
                throw new HookInputException("the input has no \"session_id\"; it is the agent id of the session.");
            }

            string? filePath = null;
            if (json.TryGetProperty("tool_input", out var toolInput) && toolInput.ValueKind == JsonValueKind.Object)
            {
                filePath = Text(toolInput, "file_path");
            }

            return new HookInput(session, Text(json, "cwd"), Text(json, "hook_event_name"), Text(json, "tool_name"), string.IsNullOrEmpty(filePath) ? null : filePath);
        }
    }

    private static string? Text(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>The hook input on stdin is not what Claude Code sends.</summary>
internal sealed class HookInputException(string message) : Exception(message);

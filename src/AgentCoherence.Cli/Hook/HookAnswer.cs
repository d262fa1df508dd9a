using System.Text;
using System.Text.Json;

namespace AgentCoherence.Cli.Hook;

/// <summary>
/// The hook output: nothing to say (<c>{}</c>: Claude Code's own permission flow goes on; an explicit
/// <c>allow</c> would skip the user's permission prompt, which is not this hook's call), a PreToolUse denial
/// (<c>hookSpecificOutput.permissionDecision: "deny"</c> with the reason the model reads), or a PostToolUse
/// <c>decision: "block"</c> whose reason is shown to the model after the tool ran, or, in observe mode, a warning
/// (<c>systemMessage</c>) that lets the tool call go on.
/// </summary>
internal sealed record HookAnswer(string Decision, string? Reason)
{
    public static readonly HookAnswer Pass = new("pass", null);

    public static HookAnswer Deny(string reason) => new("deny", reason);

    public static HookAnswer Block(string reason) => new("block", reason);

    /// <summary>Observe mode: the tool call goes on (no decision), with a warning shown to the user (<c>systemMessage</c>).</summary>
    public static HookAnswer Warn(string reason) => new("warn", reason);

    public string ToJson(string eventName)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (Decision == "deny")
            {
                json.WriteStartObject("hookSpecificOutput");
                json.WriteString("hookEventName", eventName);
                json.WriteString("permissionDecision", "deny");
                json.WriteString("permissionDecisionReason", Reason);
                json.WriteEndObject();
            }
            else if (Decision == "warn")
            {
                json.WriteString("systemMessage", Reason);
            }
            else if (Decision == "block")
            {
                json.WriteString("decision", "block");
                json.WriteString("reason", Reason);
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }
}

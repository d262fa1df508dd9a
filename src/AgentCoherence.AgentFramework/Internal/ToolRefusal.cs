using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentCoherence.AgentFramework.Internal;

/// <summary>
/// Shapes an AgentCoherence failure as the JSON a model reads in a tool result, with the field names the MCP server uses:
/// <c>{reason, path, current_version, expected_version, retryable, next_action, message, advice}</c>.
/// </summary>
internal static class ToolRefusal
{
    /// <summary>The structured result for <paramref name="exception"/>, or null when it is no AgentCoherence failure.</summary>
    public static JsonElement? From(Exception exception) => exception switch
    {
        CasRetriesExhaustedException exhausted => Body("cas_retries_exhausted", exhausted.Refusal.Key.Name, exhausted.Refusal.CurrentVersion, null,
            exhausted.IsRetryable, "wait", exhausted.Message, exhausted.Advice),
        CoherenceException refusal => Body(refusal.Refusal.Reason.ToSnakeCase(), refusal.Refusal.Key.Name, refusal.Refusal.CurrentVersion,
            ExpectedVersion(refusal.Refusal), refusal.IsRetryable, NextAction(refusal.Refusal.Reason), refusal.Message, refusal.Advice),
        OutcomeUnknownException unknown => Body("outcome_unknown", null, null, null, true, "reacquire", unknown.Message,
            "the store stayed unreachable after the write was sent, so it may have landed: re-read before writing again"),
        CoherenceFaultException fault => Body(fault is TransportUnavailableException ? "transport_unavailable" : "store_unavailable", null, null, null, true, "wait",
            fault.Message, "retry in a moment; nothing changed"),
        CoherenceArgumentException argument => Body("invalid_argument", null, null, null, false, "fix_arguments", argument.Message,
            "fix the arguments named in the message; retrying as is cannot succeed"),
        _ => null,
    };

    /// <summary>What a model should do after a refusal of this reason.</summary>
    public static string NextAction(RefusalReason reason) => reason switch
    {
        RefusalReason.StaleView or RefusalReason.StaleEpoch or RefusalReason.NotOwner => "reacquire",
        RefusalReason.VersionConflict => "merge",
        RefusalReason.HeldByOther => "wait",
        RefusalReason.NotFound => "create",
        RefusalReason.ExpectedVersionAhead => "fix_arguments",
        _ => "report",
    };

    private static long? ExpectedVersion(Refusal refusal) =>
        refusal.Reason is RefusalReason.StaleView or RefusalReason.VersionConflict or RefusalReason.ExpectedVersionAhead ? refusal.CallerVersion ?? 0 : null;

    private static JsonElement Body(string reason, string? path, long? current, long? expected, bool retryable, string next, string message, string advice)
    {
        var body = new JsonObject
        {
            ["reason"] = reason,
            ["path"] = path,
            ["current_version"] = current,
            ["expected_version"] = expected,
            ["retryable"] = retryable,
            ["next_action"] = next,
            ["message"] = message,
            ["advice"] = advice,
        };
        return JsonSerializer.SerializeToElement(body, ToolJson.Default.JsonObject);
    }
}

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentCoherence.Sqlite;
using AgentCoherence.Volume;
using ModelContextProtocol.Protocol;

namespace AgentCoherence.Mcp;

/// <summary>
/// Turns every failure of a tool call into a tool error a model can act on: <c>isError</c>, one human sentence,
/// and structured content <c>{reason, agent, path, current_version, expected_version, retryable, next_action,
/// message, advice, …}</c>. Typed refusals keep their data; anything unexpected becomes <c>internal_error</c>.
/// </summary>
internal static class ToolRefusals
{
    /// <summary>The refusal for <paramref name="exception"/>, raised by a call of <paramref name="agent"/> on <paramref name="path"/> (either may be unknown).</summary>
    public static CallToolResult From(Exception exception, string? agent, string? path)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var refusal = Describe(exception, path);
        var body = new JsonObject
        {
            ["reason"] = refusal.Reason,
            ["agent"] = agent,
            ["path"] = refusal.Path ?? path,
            ["current_version"] = refusal.CurrentVersion,
            ["expected_version"] = refusal.ExpectedVersion,
            ["retryable"] = refusal.Retryable,
            ["next_action"] = refusal.NextAction,
            ["message"] = refusal.Message,
            ["advice"] = refusal.Advice,
        };
        foreach (var (name, value) in refusal.Extra)
        {
            body[name] = value;
        }

        return ToolResults.Error(body, $"refused ({refusal.Reason}): {refusal.Message} Next: {refusal.NextAction} — {refusal.Advice}.");
    }

    /// <summary>True when <paramref name="exception"/> is no refusal the server knows (it becomes <c>internal_error</c>).</summary>
    public static bool IsUnexpected(Exception exception) => Describe(exception, null).Reason == "internal_error";

    /// <summary>What to do after a store refusal of this reason.</summary>
    public static string NextActionFor(RefusalReason reason) => reason switch
    {
        RefusalReason.StaleView or RefusalReason.StaleEpoch or RefusalReason.NotOwner => NextAction.Reacquire,
        RefusalReason.VersionConflict => NextAction.Merge,
        RefusalReason.HeldByOther => NextAction.Wait,
        RefusalReason.NotFound => NextAction.Create,
        RefusalReason.ExpectedVersionAhead => NextAction.FixArguments,
        _ => NextAction.Report,
    };

    private static Described Describe(Exception exception, string? path) => exception switch
    {
        BatchConflictException batch => new("batch_conflict", null, null, null, batch.IsRetryable, NextAction.Merge, batch.Message, batch.Advice)
        {
            Extra = { ["members"] = Members(batch) },
        },
        CoherenceException coherence => FromCoherence(coherence),
        ForeignEditException foreign => new("foreign_edit", foreign.Path, null, null, false, NextAction.Adopt, foreign.Message, ForeignEditException.Advice + " (the adopt tool)")
        {
            Extra = { ["expected_sha256"] = foreign.ExpectedHash, ["actual_sha256"] = foreign.ActualHash },
        },
        UnsafePathException unsafePath => new("unsafe_path", unsafePath.Path, null, null, false, NextAction.FixArguments, unsafePath.Message,
            "give a path relative to the volume root, without '..', outside .coherence/"),
        AgentLimitException limit => new("too_many_agents", null, null, null, false, NextAction.FixArguments, limit.Message,
            "reuse an agent name this server already serves")
        {
            Extra = { ["max_agents"] = limit.Limit },
        },
        OutcomeUnknownException unknown => new("outcome_unknown", unknown.Key.Name, null, null, true, NextAction.Reacquire, unknown.Message,
            "the store stayed unreachable after your write was sent, so it may have landed: re-read the file to see whether it did before writing again"),
        StoreBusyException busy => new("store_busy", null, null, null, true, NextAction.Wait, busy.Message, "retry in a moment; nothing changed"),
        StoreUnavailableException unavailable => new("store_unavailable", null, null, null, true, NextAction.Wait, unavailable.Message, "retry in a moment; nothing changed"),
        FileNotFoundException or DirectoryNotFoundException => new("not_found", path, 0, null, false, NextAction.Create,
            $"'{path}' does not exist.", "check the path, or create the file with write"),
        ArgumentException argument => new("invalid_argument", null, null, null, false, NextAction.FixArguments, argument.Message,
            "fix the arguments named in the message; retrying as is cannot succeed")
        {
            Extra = { ["argument"] = argument.ParamName },
        },
        JsonException json => new("invalid_argument", null, null, null, false, NextAction.FixArguments, "An argument has the wrong type or shape: " + json.Message,
            "fix the arguments to match the tool's input schema"),
        FormatException or InvalidCastException => new("invalid_argument", null, null, null, false, NextAction.FixArguments, exception.Message,
            "fix the arguments to match the tool's input schema"),
        _ => new("internal_error", null, null, null, false, NextAction.Report, $"Unexpected {exception.GetType().Name}: {exception.Message}",
            "the server logged the details on stderr; report it"),
    };

    private static Described FromCoherence(CoherenceException coherence)
    {
        var refusal = coherence.Refusal;
        var described = new Described(
            coherence is CasRetriesExhaustedException ? "cas_retries_exhausted" : refusal.Reason.ToSnakeCase(),
            refusal.Key.Name,
            refusal.CurrentVersion,
            refusal.Reason is RefusalReason.StaleView or RefusalReason.VersionConflict or RefusalReason.ExpectedVersionAhead ? refusal.CallerVersion ?? 0 : null,
            coherence.IsRetryable,
            coherence is CasRetriesExhaustedException ? NextAction.Wait : NextActionFor(refusal.Reason),
            coherence.Message,
            coherence.Advice);
        AddDetails(described.Extra, refusal);
        return described;
    }

    private static void AddDetails(Dictionary<string, JsonNode?> extra, Refusal refusal)
    {
        if (refusal.Holder is { } holder)
        {
            extra["holder"] = holder.Value;
            extra["holder_since"] = refusal.HolderSince?.ToString("O", CultureInfo.InvariantCulture);
        }

        if (refusal.Reason == RefusalReason.StaleEpoch)
        {
            extra["read_epoch"] = refusal.ReadEpoch;
            extra["owner_epoch"] = refusal.OwnerEpoch;
        }

        if (refusal.Reclaim is { } reclaim)
        {
            extra["reclaimed"] = new JsonObject
            {
                ["trigger"] = reclaim.Trigger.ToString(),
                ["at"] = reclaim.At.ToString("O", CultureInfo.InvariantCulture),
                ["epoch"] = reclaim.Epoch,
            };
        }

        if (refusal.Reason == RefusalReason.NotFound)
        {
            extra["deleted"] = refusal.IsTombstone;
        }
    }

    private static JsonArray Members(BatchConflictException batch)
    {
        var members = new JsonArray();
        foreach (var member in batch.Members)
        {
            if (member is null)
            {
                members.Add(new JsonObject { ["refused"] = false });
                continue;
            }

            var entry = new JsonObject
            {
                ["refused"] = true,
                ["path"] = member.Key.Name,
                ["reason"] = member.Reason.ToSnakeCase(),
                ["current_version"] = member.CurrentVersion,
                ["expected_version"] = member.CallerVersion,
                ["retryable"] = member.IsRetryable,
                ["next_action"] = NextActionFor(member.Reason),
            };
            var extra = new Dictionary<string, JsonNode?>();
            AddDetails(extra, member);
            foreach (var (name, value) in extra)
            {
                entry[name] = value;
            }

            members.Add(entry);
        }

        return members;
    }

    private sealed record Described(string Reason, string? Path, long? CurrentVersion, long? ExpectedVersion, bool Retryable, string NextAction, string Message, string Advice)
    {
        public Dictionary<string, JsonNode?> Extra { get; } = [];
    }
}

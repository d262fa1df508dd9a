using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentCoherence.Sqlite;
using AgentCoherence.Volume;
using ModelContextProtocol.Protocol;

namespace AgentCoherence.Mcp;

/// <summary>
/// Turns every failure of a tool call into a tool error a model can act on: <c>isError</c>, a text block with one
/// human sentence, a second text block with the refusal as JSON, and the same JSON as structured content
/// <c>{reason, agent, path, current_version, expected_version, retryable, next_action, message, advice, …}</c>.
/// The JSON text is there because hosts such as the OpenAI Agents SDK and the LangChain MCP adapters hand a model
/// only the text of an error result. Typed refusals keep their data; anything unexpected becomes <c>internal_error</c>.
/// Paths are the ones the caller gave: the store's key (<c>volume/&lt;path&gt;</c>) never reaches a message.
/// </summary>
internal static class ToolRefusals
{
    /// <summary>
    /// The refusal for <paramref name="exception"/>, raised by a call of <paramref name="agent"/> on <paramref name="path"/>
    /// (either may be unknown); <paramref name="publishPaths"/> are the paths of a <c>publish</c> call's items, in order.
    /// </summary>
    public static CallToolResult From(Exception exception, string? agent, string? path, IReadOnlyList<string?>? publishPaths = null)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var call = new CallPaths(path, publishPaths ?? []);
        var refusal = Describe(exception, call);
        var body = new JsonObject
        {
            ["reason"] = refusal.Reason,
            ["agent"] = agent,
            ["path"] = path ?? refusal.Path,
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
    public static bool IsUnexpected(Exception exception) => Describe(exception, new CallPaths(null, [])).Reason == "internal_error";

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

    private static Described Describe(Exception exception, CallPaths call) => exception switch
    {
        BatchConflictException batch => new("batch_conflict", null, null, null, batch.IsRetryable, NextAction.Merge, BatchMessage(batch, call), batch.Advice)
        {
            Extra = { ["conflicts"] = Conflicts(batch, call) },
        },
        CoherenceException coherence => FromCoherence(coherence, call),
        ForeignEditException foreign => new("foreign_edit", call.Show(foreign.Path), null, null, false, NextAction.Adopt,
            call.Translate(foreign.Message, foreign.Path), ForeignEditException.Advice + " (the adopt tool)")
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
        OutcomeUnknownException unknown => new("outcome_unknown", call.Show(unknown.Key), null, null, true, NextAction.Reacquire, call.Translate(unknown.Message, unknown.Key),
            "the store stayed unreachable after your write was sent, so it may have landed: re-read the file to see whether it did before writing again"),
        StoreBusyException busy => new("store_busy", null, null, null, true, NextAction.Wait, call.Translate(busy.Message, busy.Key), "retry in a moment; nothing changed"),
        StoreUnavailableException unavailable => new("store_unavailable", call.Show(unavailable.Key), null, null, true, NextAction.Wait,
            call.Translate(unavailable.Message, unavailable.Key), "retry in a moment; nothing changed"),
        FileNotFoundException or DirectoryNotFoundException => new("not_found", call.Path, 0, null, false, NextAction.Create,
            $"'{call.Path}' does not exist.", "check the path, or create the file with write"),
        ArgumentException argument => new("invalid_argument", null, null, null, false, NextAction.FixArguments, call.Translate(argument.Message),
            "fix the arguments named in the message; retrying as is cannot succeed")
        {
            Extra = { ["argument"] = argument.ParamName },
        },
        JsonException json => new("invalid_argument", null, null, null, false, NextAction.FixArguments, "An argument has the wrong type or shape: " + json.Message,
            "fix the arguments to match the tool's input schema"),
        FormatException or InvalidCastException => new("invalid_argument", null, null, null, false, NextAction.FixArguments, exception.Message,
            "fix the arguments to match the tool's input schema"),
        _ => new("internal_error", null, null, null, false, NextAction.Report, $"Unexpected {exception.GetType().Name}: {call.Translate(exception.Message)}",
            "the server logged the details on stderr; report it"),
    };

    private static Described FromCoherence(CoherenceException coherence, CallPaths call)
    {
        var refusal = coherence.Refusal;
        var described = new Described(
            coherence is CasRetriesExhaustedException ? "cas_retries_exhausted" : refusal.Reason.ToSnakeCase(),
            call.Show(refusal.Key),
            refusal.CurrentVersion,
            ExpectedVersion(refusal),
            coherence.IsRetryable,
            coherence is CasRetriesExhaustedException ? NextAction.Wait : NextActionFor(refusal.Reason),
            call.Translate(coherence.Message, refusal.Key),
            coherence.Advice);
        AddDetails(described.Extra, refusal);
        return described;
    }

    /// <summary>
    /// The version the write was made against: a compare-and-set's <c>expected_version</c>, or for a plain write the
    /// version the agent last read (a write is checked against it as if it were a compare-and-set).
    /// </summary>
    private static long? ExpectedVersion(Refusal refusal) =>
        refusal.Reason is RefusalReason.StaleView or RefusalReason.VersionConflict or RefusalReason.ExpectedVersionAhead ? refusal.CallerVersion ?? 0 : null;

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

    /// <summary>One entry per refused item of the publish: its index in <c>items</c>, the path as given, and the refusal's data.</summary>
    private static JsonArray Conflicts(BatchConflictException batch, CallPaths call)
    {
        var conflicts = new JsonArray();
        for (var index = 0; index < batch.Members.Count; index++)
        {
            if (batch.Members[index] is not { } member)
            {
                continue;
            }

            var entry = new JsonObject
            {
                ["index"] = index,
                ["path"] = call.ShowMember(index, member.Key),
                ["reason"] = member.Reason.ToSnakeCase(),
                ["current_version"] = member.CurrentVersion,
                ["expected_version"] = ExpectedVersion(member),
                ["retryable"] = member.IsRetryable,
                ["next_action"] = NextActionFor(member.Reason),
            };
            var extra = new Dictionary<string, JsonNode?>();
            AddDetails(extra, member);
            foreach (var (name, value) in extra)
            {
                entry[name] = value;
            }

            conflicts.Add(entry);
        }

        return conflicts;
    }

    /// <summary>The publish refusal in one sentence, in the caller's paths and snake_case reasons (the core's message names store keys).</summary>
    private static string BatchMessage(BatchConflictException batch, CallPaths call)
    {
        var refused = batch.Members
            .Select((member, index) => (member, index))
            .Where(m => m.member is not null)
            .Select(m => $"'{call.ShowMember(m.index, m.member!.Key)}' {m.member!.Reason.ToSnakeCase()} (current v{m.member.CurrentVersion}"
                + (ExpectedVersion(m.member) is { } expected ? $", expected v{expected})" : ")"))
            .ToList();
        return $"Publish refused; nothing landed. {refused.Count} of {batch.Members.Count} files refused: {string.Join("; ", refused)}.";
    }

    private sealed record Described(string Reason, string? Path, long? CurrentVersion, long? ExpectedVersion, bool Retryable, string NextAction, string Message, string Advice)
    {
        public Dictionary<string, JsonNode?> Extra { get; } = [];
    }

    /// <summary>
    /// The paths a call gave, and their translation from store keys: a key of the volume's namespace is shown as the
    /// caller spelled its path when one of the call's paths names it, else as the path relative to the root.
    /// </summary>
    private sealed record CallPaths(string? Path, IReadOnlyList<string?> PublishPaths)
    {
        /// <summary>The path to show for <paramref name="key"/> (null for none).</summary>
        public string? Show(ArtifactKey? key)
        {
            if (key is null)
            {
                return null;
            }

            if (key.Namespace != CoherentVolume.Namespace)
            {
                return key.ToString();
            }

            return Names(Path, key) ? Path : PublishPaths.FirstOrDefault(p => Names(p, key)) ?? key.Name;
        }

        /// <summary>The path a volume exception reports (relative to the root), as the caller spelled it.</summary>
        public string Show(string relative) => Names(Path, relative) ? Path! : PublishPaths.FirstOrDefault(p => Names(p, relative)) ?? relative;

        /// <summary>The path of the publish item at <paramref name="index"/>, when it names <paramref name="key"/>.</summary>
        public string ShowMember(int index, ArtifactKey key) =>
            index < PublishPaths.Count && PublishPaths[index] is { } given && Names(given, key) ? given : Show(key)!;

        /// <summary>
        /// <paramref name="message"/> with every store key replaced by the caller's path: <paramref name="key"/>, the key of
        /// the call's path and of each publish item (so a message from deep in the core names no <c>volume/…</c> key either).
        /// </summary>
        public string Translate(string message, ArtifactKey? key = null)
        {
            if (key is not null && key.Namespace == CoherentVolume.Namespace)
            {
                message = message.Replace(key.ToString(), Show(key), StringComparison.Ordinal);
            }

            foreach (var given in PublishPaths.Prepend(Path))
            {
                if (Relative(given) is { } name)
                {
                    message = message.Replace(CoherentVolume.Namespace + "/" + name, given, StringComparison.Ordinal);
                }
            }

            return message;
        }

        /// <summary>Translates a volume exception's root-relative path as well.</summary>
        public string Translate(string message, string relative)
        {
            var shown = Show(relative);
            return shown == relative ? Translate(message) : Translate(message.Replace($"'{relative}'", $"'{shown}'", StringComparison.Ordinal));
        }

        private static bool Names(string? given, ArtifactKey key) => key.Namespace == CoherentVolume.Namespace && Names(given, key.Name);

        private static bool Names(string? given, string relative) => given is not null && Relative(given) == relative;

        /// <summary>
        /// The root-relative name the volume gives a path it accepts ('\' as '/', empty and '.' segments dropped); null
        /// for a path it would refuse. Used only to recognise the caller's spelling: a mismatch shows the volume's name.
        /// </summary>
        private static string? Relative(string? given)
        {
            if (string.IsNullOrEmpty(given))
            {
                return null;
            }

            var segments = given.Replace('\\', '/').Split('/').Where(s => s.Length > 0 && s != ".").ToList();
            return segments.Count == 0 || segments.Contains("..") ? null : string.Join('/', segments);
        }
    }
}

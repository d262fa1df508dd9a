using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using AgentCoherence.Protocol;
using Spectre.Console;

namespace AgentCoherence.Cli.Status;

/// <summary>
/// Renders a <see cref="StoreStatus"/> as Spectre tables or as the JSON document <c>coherence status --json</c> prints
/// (its shape is documented in docs/cli.md; <c>format</c> names its version).
/// </summary>
internal static class StatusRenderer
{
    /// <summary>The JSON document's version: a change that removes or renames a field gets a new one.</summary>
    public const string Format = "coherence-status/1";

    public static void Render(IAnsiConsole console, StoreStatus status, int reclaimLimit)
    {
        var now = status.TakenAt;
        var grants = status.Records.Count(r => r.GrantHolder is not null);
        console.Write(new Rule($"[bold]coherence status[/] — {Markup.Escape(status.Kind)} [blue]{Markup.Escape(status.Address)}[/]").LeftJustified());
        console.MarkupLine(
            $"[grey]taken {Time(now)}: {Count(status.Records.Count, "artifact")} ({status.Records.Count(r => r.IsTombstone)} deleted), "
            + $"{Count(grants, "grant")} held, {Count(status.Agents.Count, "agent")}, {Count(status.Reclaims.Count, "reclaim")} recorded[/]");

        var artifacts = new Table().Border(TableBorder.Rounded).Title("[bold]artifacts[/]")
            .Caption("[grey]states: M modified, E exclusive (both hold the write grant), S shared, I invalid; @vN: the version the agent last saw, when older than the current one[/]")
            .AddColumn(new TableColumn("artifact").NoWrap()).AddColumn(new TableColumn("version").NoWrap()).AddColumn(new TableColumn("epoch").RightAligned())
            .AddColumn("last write").AddColumn(new TableColumn("holders").NoWrap()).AddColumn("grant");
        foreach (var record in status.Records)
        {
            var holders = string.Join("\n", Ordered(record).Select(h =>
                $"{h.Key}:{h.Value.State.Letter()}{(h.Value.ViewVersion < record.Version ? "@v" + h.Value.ViewVersion.ToString(CultureInfo.InvariantCulture) : string.Empty)}"));
            var grant = record.GrantHolder is { } holder ? $"{holder} {Age(now, record.Holders[holder].GrantedAt)}" : null;
            var lastWrite = record.LastWriter is { } writer ? $"{writer} {Age(now, record.CommittedAt)} ago" : "-";
            artifacts.AddRow(
                Markup.Escape(record.Key.ToString()),
                "v" + record.Version.ToString(CultureInfo.InvariantCulture) + (record.IsTombstone ? " [yellow]deleted[/]" : string.Empty),
                record.OwnerEpoch.ToString(CultureInfo.InvariantCulture),
                Markup.Escape(lastWrite),
                Markup.Escape(holders.Length == 0 ? "-" : holders),
                grant is null ? "[grey]-[/]" : $"[green]{Markup.Escape(grant)}[/]");
        }

        if (status.Records.Count == 0)
        {
            artifacts.AddRow("[grey]no artifacts[/]", string.Empty, string.Empty, string.Empty, string.Empty, string.Empty);
        }

        console.Write(artifacts);

        var agents = new Table().Border(TableBorder.Rounded).Title("[bold]agents[/]")
            .AddColumn("agent").AddColumn("last heartbeat").AddColumn(new TableColumn("silent for").RightAligned()).AddColumn("grants held");
        foreach (var agent in status.Agents)
        {
            var held = status.Records.Where(r => r.GrantHolder == agent.Agent).Select(r => r.Key.ToString()).ToArray();
            agents.AddRow(
                Markup.Escape(agent.Agent.ToString()),
                Time(agent.LastHeartbeat),
                Age(now, agent.LastHeartbeat),
                Markup.Escape(held.Length == 0 ? "-" : string.Join(", ", held)));
        }

        if (status.Agents.Count == 0)
        {
            agents.AddRow("[grey]no agents registered[/]", string.Empty, string.Empty, string.Empty);
        }

        console.Write(agents);

        var reclaims = new Table().Border(TableBorder.Rounded)
            .Title($"[bold]recent reclaims[/] [grey](the last {reclaimLimit.ToString(CultureInfo.InvariantCulture)} the holder entries record)[/]")
            .AddColumn("at").AddColumn(new TableColumn("ago").RightAligned()).AddColumn("artifact").AddColumn("agent").AddColumn("trigger").AddColumn(new TableColumn("epoch").RightAligned());
        foreach (var reclaim in status.Reclaims.Take(reclaimLimit))
        {
            reclaims.AddRow(
                Time(reclaim.Info.At),
                Age(now, reclaim.Info.At),
                Markup.Escape(reclaim.Key.ToString()),
                Markup.Escape(reclaim.Agent.ToString()),
                reclaim.Info.TriggerName,
                reclaim.Info.Epoch.ToString(CultureInfo.InvariantCulture));
        }

        if (status.Reclaims.Count == 0)
        {
            reclaims.AddRow("[grey]none recorded[/]", string.Empty, string.Empty, string.Empty, string.Empty, string.Empty);
        }

        console.Write(reclaims);
    }

    /// <summary>The status as the documented JSON document (camelCase, times in ISO 8601 UTC, ages in seconds).</summary>
    public static string ToJson(StoreStatus status, int reclaimLimit)
    {
        var now = status.TakenAt;
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("format", Format);
            json.WriteStartObject("store");
            json.WriteString("kind", status.Kind);
            json.WriteString("address", status.Address);
            json.WriteEndObject();
            json.WriteString("takenAt", Iso(now));

            json.WriteStartArray("artifacts");
            foreach (var record in status.Records)
            {
                json.WriteStartObject();
                json.WriteString("key", record.Key.ToString());
                json.WriteString("namespace", record.Key.Namespace);
                json.WriteString("name", record.Key.Name);
                json.WriteNumber("version", record.Version);
                json.WriteBoolean("deleted", record.IsTombstone);
                json.WriteNumber("ownerEpoch", record.OwnerEpoch);
                WriteOrNull(json, "contentHash", record.ContentHash);
                json.WriteNumber("sizeTokens", record.SizeTokens);
                WriteOrNull(json, "lastWriter", record.LastWriter?.Value);
                WriteTime(json, "committedAt", record.CommittedAt);
                if (record.GrantHolder is { } holder)
                {
                    var entry = record.Holders[holder];
                    json.WriteStartObject("grant");
                    json.WriteString("holder", holder.Value);
                    json.WriteString("state", StateName(entry.State));
                    WriteTime(json, "grantedAt", entry.GrantedAt);
                    WriteSeconds(json, "ageSeconds", now, entry.GrantedAt);
                    json.WriteEndObject();
                }
                else
                {
                    json.WriteNull("grant");
                }

                json.WriteStartArray("holders");
                foreach (var (agent, entry) in Ordered(record))
                {
                    json.WriteStartObject();
                    json.WriteString("agent", agent.Value);
                    json.WriteString("state", StateName(entry.State));
                    json.WriteNumber("viewVersion", entry.ViewVersion);
                    if (entry.ReadEpoch is { } readEpoch)
                    {
                        json.WriteNumber("readEpoch", readEpoch);
                    }
                    else
                    {
                        json.WriteNull("readEpoch");
                    }

                    WriteTime(json, "grantedAt", entry.GrantedAt);
                    if (entry.LastReclaim is { } reclaim)
                    {
                        json.WritePropertyName("lastReclaim");
                        WriteReclaim(json, reclaim, null, null);
                    }
                    else
                    {
                        json.WriteNull("lastReclaim");
                    }

                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();

            json.WriteStartArray("agents");
            foreach (var agent in status.Agents)
            {
                json.WriteStartObject();
                json.WriteString("agent", agent.Agent.Value);
                json.WriteString("lastHeartbeat", Iso(agent.LastHeartbeat));
                WriteSeconds(json, "silentSeconds", now, agent.LastHeartbeat);
                json.WriteStartArray("grants");
                foreach (var record in status.Records.Where(r => r.GrantHolder == agent.Agent))
                {
                    json.WriteStringValue(record.Key.ToString());
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();

            json.WriteStartArray("recentReclaims");
            foreach (var reclaim in status.Reclaims.Take(reclaimLimit))
            {
                WriteReclaim(json, reclaim.Info, reclaim.Key, reclaim.Agent);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteReclaim(Utf8JsonWriter json, ReclaimInfo reclaim, ArtifactKey? key, AgentId? agent)
    {
        json.WriteStartObject();
        if (key is not null)
        {
            json.WriteString("key", key.ToString());
        }

        if (agent is { } who)
        {
            json.WriteString("agent", who.Value);
        }

        json.WriteString("trigger", reclaim.TriggerName);
        json.WriteString("at", Iso(reclaim.At));
        json.WriteNumber("epoch", reclaim.Epoch);
        json.WriteEndObject();
    }

    private static IEnumerable<KeyValuePair<AgentId, HolderEntry>> Ordered(DirectoryRecord record) =>
        record.Holders.OrderBy(h => h.Key.Value, StringComparer.Ordinal);

    /// <summary>The MESI state's name in the JSON document: <c>modified</c>, <c>exclusive</c>, <c>shared</c>, <c>invalid</c>.</summary>
    public static string StateName(HolderState state) => state.ToString().ToLowerInvariant();

    private static void WriteOrNull(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }

    private static void WriteTime(Utf8JsonWriter json, string name, DateTimeOffset? time) => WriteOrNull(json, name, time is { } t ? Iso(t) : null);

    private static void WriteSeconds(Utf8JsonWriter json, string name, DateTimeOffset now, DateTimeOffset? since)
    {
        if (since is { } start)
        {
            json.WriteNumber(name, Math.Round((now - start).TotalSeconds, 3));
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Count(int n, string noun) => n.ToString(CultureInfo.InvariantCulture) + " " + noun + (n == 1 ? string.Empty : "s");

    /// <summary>A duration for people: <c>42s</c>, <c>3m 05s</c>, <c>2h 01m</c>, <c>3d 04h</c>; a time ahead of <paramref name="now"/> (another host's clock) shows as <c>-5s</c>.</summary>
    public static string Age(DateTimeOffset now, DateTimeOffset? since)
    {
        if (since is not { } start)
        {
            return "?";
        }

        var age = now - start;
        var sign = age < TimeSpan.Zero ? "-" : string.Empty;
        age = age.Duration();
        var text = age.TotalSeconds < 60 ? $"{(int)age.TotalSeconds}s"
            : age.TotalMinutes < 60 ? $"{(int)age.TotalMinutes}m {age.Seconds:D2}s"
            : age.TotalHours < 24 ? $"{(int)age.TotalHours}h {age.Minutes:D2}m"
            : $"{(int)age.TotalDays}d {age.Hours:D2}h";
        return sign + text;
    }
}

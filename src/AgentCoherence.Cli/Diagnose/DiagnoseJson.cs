using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentCoherence.Cli.Diagnose;

/// <summary><c>coherence diagnose --json</c>: the report as one camelCase JSON document, format <c>coherence-diagnose/1</c>.</summary>
internal static class DiagnoseJson
{
    public const string Format = "coherence-diagnose/1";

    private static readonly JsonSerializerOptions s_json = CreateOptions();

    public static string ToJson(DiagnoseReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var s = report.Summary;
        var t = report.Tokens;
        var document = new
        {
            format = Format,
            summary = new
            {
                s.Entries,
                s.Processes,
                s.Agents,
                s.Artifacts,
                s.First,
                s.Last,
                spanMs = Ms(s.Span),
                s.Observe,
                s.Writes,
                s.DivergentReads,
                s.SilentOverwrites,
                s.LostVersions,
                s.WouldBeRefused,
                s.Prevented,
                complete = s.Gaps == 0,
                s.Gaps,
                s.DroppedLines,
                s.FirstGap,
            },
            divergentReads = report.DivergentReads.Select(d => new
            {
                d.Agent,
                d.Key,
                d.Kind,
                d.At,
                d.ActedOn,
                d.Current,
                d.VersionsBehind,
                d.NewerLanded,
                d.CaughtUp,
                staleForMs = Ms(d.StaleFor),
                d.Source,
            }),
            silentOverwrites = report.SilentOverwrites.Select(o => new
            {
                o.Agent,
                o.Key,
                o.At,
                o.BasedOn,
                o.Version,
                o.Override,
                o.Reason,
                o.Hash,
                o.Tokens,
                o.Victims,
                o.LostTokens,
                lost = o.Lost,
                o.Source,
            }),
            refusals = report.Refusals.Select(r => new
            {
                r.Agent,
                r.Key,
                r.Operation,
                r.At,
                r.Reason,
                r.CallerVersion,
                r.Current,
                r.Holder,
                outcome = r.Overridden ? "wouldBeRefused" : "prevented",
                r.OverrideVersion,
                r.Source,
            }),
            artifacts = report.Artifacts.Select(a => new
            {
                a.Key,
                a.Operations,
                a.Reads,
                a.Writes,
                a.Writers,
                distinctWriters = a.Writers.Count,
                a.Refusals,
                refusalsByReason = a.RefusalsByReason.ToDictionary(r => JsonNamingPolicy.CamelCase.ConvertName(r.Key), r => r.Value),
                a.Overrides,
                a.SilentOverwrites,
                a.DivergentReads,
                a.LatestVersion,
            }),
            tokens = new
            {
                t.Reads,
                t.CacheHits,
                t.Revalidations,
                t.Writes,
                t.SignalsDelivered,
                t.SignalTokens,
                t.BaselineTokens,
                t.CoherentTokensWithoutSignals,
                t.CoherentTokensWithSignals,
                t.SavingsWithoutSignals,
                t.SavingsWithSignals,
                t.SavedTokens,
                t.ReadsOfUnknownSize,
            },
        };
        return JsonSerializer.Serialize(document, s_json);
    }

    private static double Ms(TimeSpan t) => Math.Round(t.TotalMilliseconds, 3);

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            WriteIndented = true,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        return options;
    }
}

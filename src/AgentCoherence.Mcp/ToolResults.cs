using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;

namespace AgentCoherence.Mcp;

/// <summary>Builds tool results: the payload as structured content, and the same JSON as text for hosts that only read text.</summary>
internal static class ToolResults
{
    // Relaxed escaping: the text is read by models, and markdown full of \u003C or \u00E9 reads worse and costs more tokens.
    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static CallToolResult Success(JsonObject payload) => new()
    {
        Content = [new TextContentBlock { Text = payload.ToJsonString(Compact) }],
        StructuredContent = JsonSerializer.SerializeToElement(payload, Compact),
        IsError = false,
    };

    /// <summary>A refusal: <c>isError</c>, a short human text, and the structured refusal a model can act on.</summary>
    public static CallToolResult Error(JsonObject refusal, string text) => new()
    {
        Content = [new TextContentBlock { Text = text }],
        StructuredContent = JsonSerializer.SerializeToElement(refusal, Compact),
        IsError = true,
    };
}

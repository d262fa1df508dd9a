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

    /// <summary>
    /// A refusal: <c>isError</c>; a text block with the human sentence and a second one with the refusal as JSON; and
    /// the same JSON as structured content. The JSON text is what a model gets from hosts that pass it only the text of
    /// an error result (the OpenAI Agents SDK, the LangChain MCP adapters); the MCP spec asks for it beside structured content.
    /// </summary>
    public static CallToolResult Error(JsonObject refusal, string text) => new()
    {
        Content = [new TextContentBlock { Text = text }, new TextContentBlock { Text = refusal.ToJsonString(Compact) }],
        StructuredContent = JsonSerializer.SerializeToElement(refusal, Compact),
        IsError = true,
    };
}

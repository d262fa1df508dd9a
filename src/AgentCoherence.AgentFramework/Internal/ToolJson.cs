using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace AgentCoherence.AgentFramework.Internal;

/// <summary>Source-generated JSON metadata for the results the tools return.</summary>
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(ArtifactToolResult))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
internal sealed partial class ToolJson : JsonSerializerContext
{
}

using System.ComponentModel;
using System.Text.Json.Serialization;

namespace AgentCoherence.Mcp;

/// <summary>One member of the <c>publish</c> tool.</summary>
internal sealed record PublishFile
{
    [JsonPropertyName("path")]
    [Description("The managed file, relative to the volume root.")]
    public required string Path { get; init; }

    [JsonPropertyName("content")]
    [Description("The file's new full text.")]
    public required string Content { get; init; }

    [JsonPropertyName("expected_version")]
    [Description("The version this content was derived from (from read); 0 creates a file that never existed.")]
    public required long ExpectedVersion { get; init; }
}

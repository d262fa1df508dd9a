using AgentCoherence.AgentFramework.Internal;
using System.ComponentModel;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace AgentCoherence.AgentFramework;

/// <summary>
/// Ready tools for agents that share artifacts by name: <c>read_artifact</c>, <c>write_artifact</c> and
/// <c>write_artifact_cas</c>. Each returns <c>{path, version, text, last_writer}</c>, or a structured refusal
/// (<c>{reason, current_version, next_action, …}</c>) the model can act on.
/// </summary>
public static class ArtifactTools
{
    /// <summary>The name of the read tool.</summary>
    public const string ReadToolName = "read_artifact";

    /// <summary>The name of the write tool (needs the agent's current view).</summary>
    public const string WriteToolName = "write_artifact";

    /// <summary>The name of the compare-and-set write tool.</summary>
    public const string WriteCasToolName = "write_artifact_cas";

    /// <summary>Creates the three tools over <paramref name="client"/>.</summary>
    /// <param name="client">The coherence client holding the artifacts.</param>
    /// <param name="agentId">The agent the tools act as; when <see langword="null"/>, the running framework agent's name (or id).</param>
    /// <returns>The tools, already wrapped so refusals become results.</returns>
    public static IList<AITool> Create(CoherenceClient client, string? agentId = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        CoherentAgent Agent() => AgentCache.Current(client, agentId, "the agentId argument of ArtifactTools.Create");

        async Task<JsonElement> ReadAsync([Description("The artifact's name, for example plans/plan.md.")] string path, CancellationToken cancellationToken)
        {
            var view = await Agent().ReadAsync(client.Key(path), cancellationToken).ConfigureAwait(false);
            return Result(path, view, withText: true);
        }

        async Task<JsonElement> WriteAsync(
            [Description("The artifact's name.")] string path,
            [Description("The whole new content.")] string content,
            CancellationToken cancellationToken)
        {
            var view = await Agent().WriteAsync(client.Key(path), content, cancellationToken).ConfigureAwait(false);
            return Result(path, view, withText: false);
        }

        async Task<JsonElement> WriteCasAsync(
            [Description("The artifact's name.")] string path,
            [Description("The whole new content.")] string content,
            [Description("The version this edit is based on (from read_artifact); 0 to create.")] long expected_version,
            CancellationToken cancellationToken)
        {
            var view = await Agent().WriteCasAsync(client.Key(path), content, expected_version, cancellationToken).ConfigureAwait(false);
            return Result(path, view, withText: false);
        }

        return new AITool[]
        {
            AIFunctionFactory.Create(ReadAsync, ReadToolName, "Reads a shared artifact: its text and the version your edits are based on."),
            AIFunctionFactory.Create(WriteAsync, WriteToolName, "Replaces a shared artifact's content. Refused (stale_view) when someone changed it since you read it: re-read, merge, write again."),
            AIFunctionFactory.Create(WriteCasAsync, WriteCasToolName, "Replaces a shared artifact's content only if its version is still expected_version; refused with version_conflict otherwise."),
        }.WithCoherence();
    }

    private static JsonElement Result(string path, ArtifactView view, bool withText) =>
        JsonSerializer.SerializeToElement(new ArtifactToolResult(path, view.Version, withText ? view.Text : null, view.LastWriter?.Value), ToolJson.Default.ArtifactToolResult);
}

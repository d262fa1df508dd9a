using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace AgentCoherence.AgentFramework;

/// <summary>Makes AgentCoherence refusals reach the model as structured tool results.</summary>
public static class CoherenceToolExtensions
{
    /// <summary>
    /// Wraps every <see cref="AIFunction"/> in <paramref name="tools"/> in a <see cref="CoherentAIFunction"/> (keeping
    /// approval requirements); other tools are returned as they are.
    /// </summary>
    /// <param name="tools">The tools to wrap.</param>
    /// <returns>The wrapped tools, in order.</returns>
    public static IList<AITool> WithCoherence(this IEnumerable<AITool> tools)
    {
        ArgumentNullException.ThrowIfNull(tools);
        return [.. tools.Select(Wrap)];
    }

    /// <summary>Wraps <paramref name="provider"/> so the tools it provides return refusals as results.</summary>
    /// <param name="provider">The provider, for example a <c>FileAccessProvider</c> over a <see cref="CoherentAgentFileStore"/>.</param>
    /// <returns>A <see cref="CoherentToolsProvider"/> over <paramref name="provider"/>.</returns>
    public static AIContextProvider WithCoherence(this AIContextProvider provider) =>
        provider as CoherentToolsProvider ?? new CoherentToolsProvider(provider);

    internal static AITool Wrap(AITool tool) => tool switch
    {
        null => throw new ArgumentException("The tools contain a null entry.", nameof(tool)),
        CoherentAIFunction => tool,
        AIFunction function when function.GetService(typeof(CoherentAIFunction)) is not null => tool,
        // The approval marker stays outermost, where FunctionInvokingChatClient looks for it.
        ApprovalRequiredAIFunction approval => new ApprovalRequiredAIFunction(new CoherentAIFunction(approval)),
        AIFunction function => new CoherentAIFunction(function),
        _ => tool,
    };
}

using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace AgentCoherence.AgentFramework;

/// <summary>
/// Wraps an <see cref="AIContextProvider"/> (for example <c>FileAccessProvider</c> or <c>FileMemoryProvider</c> over a
/// <see cref="CoherentAgentFileStore"/>) so the tools it provides return AgentCoherence refusals to the model as
/// structured results (see <see cref="CoherentAIFunction"/>). Everything else is the inner provider's.
/// Create it with <see cref="CoherenceToolExtensions.WithCoherence(AIContextProvider)"/>.
/// </summary>
public sealed class CoherentToolsProvider : AIContextProvider
{
    /// <summary>Wraps <paramref name="inner"/>.</summary>
    /// <param name="inner">The provider whose tools are wrapped.</param>
    public CoherentToolsProvider(AIContextProvider inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        Inner = inner;
    }

    /// <summary>The wrapped provider.</summary>
    public AIContextProvider Inner { get; }

    /// <inheritdoc />
    public override IReadOnlyList<string> StateKeys => Inner.StateKeys;

    /// <inheritdoc />
    public override object? GetService(Type serviceType, object? serviceKey = null) =>
        base.GetService(serviceType, serviceKey) ?? Inner.GetService(serviceType, serviceKey);

    /// <inheritdoc />
    protected override async ValueTask<AIContext> InvokingCoreAsync(InvokingContext context, CancellationToken cancellationToken = default)
    {
        var provided = await Inner.InvokingAsync(context, cancellationToken).ConfigureAwait(false);
        if (provided.Tools is null)
        {
            return provided;
        }

        // The inner provider returns the incoming tools followed by its own; only its own are wrapped.
        var incoming = context.AIContext.Tools is { } tools ? new HashSet<AITool>(tools, ReferenceEqualityComparer.Instance) : [];
        return new AIContext
        {
            Instructions = provided.Instructions,
            Messages = provided.Messages,
            Tools = provided.Tools.Select(tool => incoming.Contains(tool) ? tool : CoherenceToolExtensions.Wrap(tool)).ToList(),
        };
    }

    /// <inheritdoc />
    protected override ValueTask InvokedCoreAsync(InvokedContext context, CancellationToken cancellationToken = default) =>
        Inner.InvokedAsync(context, cancellationToken);
}

using AgentCoherence.AgentFramework.Internal;
using Microsoft.Extensions.AI;

namespace AgentCoherence.AgentFramework;

/// <summary>
/// Wraps an <see cref="AIFunction"/> so an AgentCoherence refusal or fault becomes a structured result the model reads
/// (<c>{reason, path, current_version, expected_version, retryable, next_action, message, advice}</c>) instead of an
/// exception that <c>FunctionInvokingChatClient</c> reduces to a generic "function failed". Other exceptions pass
/// through unchanged. Create it with <see cref="CoherenceToolExtensions.WithCoherence(IEnumerable{AITool})"/>.
/// </summary>
public sealed class CoherentAIFunction : DelegatingAIFunction
{
    /// <summary>Wraps <paramref name="innerFunction"/>.</summary>
    /// <param name="innerFunction">The function whose AgentCoherence failures become results.</param>
    public CoherentAIFunction(AIFunction innerFunction)
        : base(innerFunction ?? throw new ArgumentNullException(nameof(innerFunction)))
    {
    }

    /// <inheritdoc />
    protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        try
        {
            return await base.InvokeCoreAsync(arguments, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (ToolRefusal.From(exception) is { } refusal && !cancellationToken.IsCancellationRequested)
        {
            return refusal;
        }
    }
}

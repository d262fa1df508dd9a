namespace AgentCoherence.Protocol;

/// <summary>
/// The side effect a caller ran inside a store's atomic step (<see cref="IAtomicEffectStore"/>) threw: the store
/// undid the step, so nothing was applied and no operation was recorded. The effect's own exception is the
/// <see cref="Exception.InnerException"/>. Not retried by the client: the effect decides what its failure means.
/// </summary>
public sealed class AtomicEffectFailedException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="operation">The store operation whose step was undone.</param>
    /// <param name="key">The artifact (the first member's, for a batch), when there is one.</param>
    /// <param name="inner">What the effect threw.</param>
    public AtomicEffectFailedException(string operation, ArtifactKey? key, Exception inner)
        : base($"The side effect of {operation}{(key is null ? string.Empty : $" on '{key}'")} failed ({inner?.GetType().Name}: {inner?.Message}); the store undid the step, nothing was applied.", inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        Operation = operation;
        Key = key;
    }

    /// <summary>The store operation whose step was undone (for example <c>CommitAll</c>).</summary>
    public string Operation { get; }

    /// <summary>The artifact (the first member's, for a batch), when there is one.</summary>
    public ArtifactKey? Key { get; }

    /// <summary>Runs an effect inside a store's step, turning what it throws into this exception (for store implementations).</summary>
    public static void Run<T>(string operation, ArtifactKey? key, Action<T> effect, T result)
    {
        ArgumentNullException.ThrowIfNull(effect);
        try
        {
            effect(result);
        }
        catch (Exception ex)
        {
            throw new AtomicEffectFailedException(operation, key, ex);
        }
    }

    /// <summary>Runs an effect that returns a value inside a store's step, turning what it throws into this exception.</summary>
    public static TResult Run<T, TResult>(string operation, ArtifactKey? key, Func<T, TResult> effect, T argument)
    {
        ArgumentNullException.ThrowIfNull(effect);
        try
        {
            return effect(argument);
        }
        catch (Exception ex)
        {
            throw new AtomicEffectFailedException(operation, key, ex);
        }
    }
}

using System.Globalization;
using AgentCoherence.Protocol;

namespace AgentCoherence.ModelChecking.ClientModel;

/// <summary>
/// One store call a client made, held by <see cref="ControlledStore"/> until the explorer moves it: its
/// effect is applied on the real store as one step, and its reply is delivered (or lost) as another, so
/// anything can happen in between. Completion runs the client's continuation inline, on the explorer's thread.
/// </summary>
internal abstract class StoreCall
{
    protected StoreCall(int number, AgentId agent, string operation, OperationId id, long argument)
    {
        Number = number;
        Agent = agent;
        Operation = operation;
        Id = id;
        Argument = argument;
    }

    /// <summary>Issue order in the world: the same on every replay of a path.</summary>
    public int Number { get; }

    public AgentId Agent { get; }

    /// <summary>Read, Acquire, Commit, CommitCas or Release.</summary>
    public string Operation { get; }

    /// <summary>The write's operation id (none for a read).</summary>
    public OperationId Id { get; }

    /// <summary>The expected version of a CommitCas, the known version of a Read, else -1.</summary>
    public long Argument { get; }

    public bool IsWrite => Operation != "Read";

    /// <summary>True when the write changes content (a version), not only a grant.</summary>
    public bool IsContentWrite => Operation is "Commit" or "CommitCas" or "Delete";

    public bool Applied { get; private set; }

    /// <summary>The store's result once applied (a ReadResult, WriteResult or bool).</summary>
    public object? Result { get; private set; }

    /// <summary>What the store threw when applying, if it did (an invariant violation in Debug).</summary>
    public Exception? EffectFailure { get; private set; }

    /// <summary>The chain (an agent's operation or an eager refresh) the call belongs to; set by the world.</summary>
    public Chain? Chain { get; set; }

    /// <summary>Runs the effect on the real store.</summary>
    public void Apply()
    {
        try
        {
            Result = Effect();
        }
        catch (Exception ex)
        {
            EffectFailure = ex;
        }

        Applied = true;
    }

    /// <summary>Delivers the reply (or the store's failure); the client continues inline.</summary>
    public abstract void Reply();

    /// <summary>The client never hears back: it sees a failure that may have happened after the effect.</summary>
    public abstract void Lose(Exception failure);

    /// <summary>The call as the client made it, e.g. <c>CommitCas(expected 1)</c>.</summary>
    public string Describe() => Operation switch
    {
        "CommitCas" => $"CommitCas(expected {Argument.ToString(CultureInfo.InvariantCulture)})",
        "Read" => Argument < 0 ? "Read" : $"Read(known v{Argument.ToString(CultureInfo.InvariantCulture)})",
        _ => Operation,
    };

    /// <summary>The result as the client sees it (what its code branches on).</summary>
    public string DescribeResult() => EffectFailure is { } failure ? "threw " + failure.GetType().Name : Summarize(Result);

    public static string Summarize(object? result) => result switch
    {
        ReadResult { Refusal: { } refusal } read => $"refused {refusal.Reason} v{read.Version} e{read.OwnerEpoch}",
        ReadResult read => $"v{read.Version} e{read.OwnerEpoch}{(read.ContentIncluded ? " content" : " unchanged")}",
        WriteResult { Refusal: { } refusal } write => $"refused {refusal.Reason} v{write.Version}",
        WriteResult write => $"ok v{write.Version}{Signals(write.Signals)}",
        bool released => released ? "released" : "held nothing",
        null => "-",
        var other => other.ToString() ?? "?",
    };

    public static string Signals(IReadOnlyList<InvalidationSignal> signals) =>
        signals.Count == 0 ? string.Empty : " signals[" + string.Join(",", signals.Select(Describe)) + "]";

    public static string Describe(InvalidationSignal s) =>
        $"{s.Kind} v{s.NewVersion} e{s.OwnerEpoch} to {s.Recipient}";

    protected abstract object? Effect();
}

/// <summary>A held call returning <typeparamref name="T"/>.</summary>
internal sealed class StoreCall<T> : StoreCall
{
    // Not RunContinuationsAsynchronously: the client's continuation must run inline, on the explorer's thread.
    private readonly TaskCompletionSource<T> _reply = new();
    private readonly Func<ValueTask<T>> _effect;

    public StoreCall(int number, AgentId agent, string operation, OperationId id, long argument, Func<ValueTask<T>> effect)
        : base(number, agent, operation, id, argument)
    {
        _effect = effect;
    }

    public Task<T> Task => _reply.Task;

    public override void Reply()
    {
        if (EffectFailure is { } failure)
        {
            _reply.SetException(failure);
        }
        else
        {
            _reply.SetResult((T)Result!);
        }
    }

    public override void Lose(Exception failure) => _reply.SetException(failure);

    protected override object? Effect()
    {
        var pending = _effect();
        if (!pending.IsCompleted)
        {
            throw new InvalidOperationException("The inner store did not complete synchronously.");
        }

        return pending.Result;
    }
}

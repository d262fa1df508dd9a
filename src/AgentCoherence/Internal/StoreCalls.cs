using Microsoft.Extensions.Logging;
using AgentCoherence.Protocol;

namespace AgentCoherence.Internal;

/// <summary>
/// How one agent calls its store so that no fault changes an outcome: every write gets an
/// <see cref="OperationId"/> and is retried with that same id after a store failure (the store returns
/// the recorded result of a write that had landed, and applies one that had not exactly once), so
/// resolving a lost reply never reads, never re-arms a fence and never applies twice. A refusal for an
/// agent the store no longer knows re-registers the agent (once per call) and tries again. Store
/// failures reach the caller only as <see cref="StoreUnavailableException"/> (nothing applied) or
/// <see cref="OutcomeUnknownException"/> (may have landed, with the id to resolve it). A side effect that
/// failed inside the store's step (<see cref="AtomicEffectFailedException"/>) passes through unretried: the
/// store undid the step, and what the failure means is the effect's business.
/// </summary>
internal sealed class StoreCalls
{
    private readonly CoherenceClient _client;
    private readonly AgentId _agent;
    private readonly ILogger _logger;
    private readonly Func<CancellationToken, Task> _reregister;

    public StoreCalls(CoherenceClient client, AgentId agent, ILogger logger, Func<CancellationToken, Task> reregister)
    {
        _client = client;
        _agent = agent;
        _logger = logger;
        _reregister = reregister;
    }

    /// <summary>A write: a fresh id (or <paramref name="operation"/>), retried with that same id until it has an outcome.</summary>
    /// <param name="name">The store operation, for errors and logs.</param>
    /// <param name="key">The artifact (the first member's for a batch).</param>
    /// <param name="call">The store call.</param>
    /// <param name="unknownAgent">True when a result is the store's UnknownAgent refusal.</param>
    /// <param name="cancellationToken">Honoured until the write may have landed; after that the outcome is found out first.</param>
    /// <param name="operation">The id to use; a fresh one when none.</param>
    /// <param name="onResult">Runs on the outcome, also when <see cref="CoherentAgent.ResolveAsync"/> finds it later (keeps the cache, publishes signals).</param>
    /// <param name="resolving">True when re-sending a write whose earlier outcome is unknown: it may have landed before this call started.</param>
    public async ValueTask<T> WriteAsync<T>(
        string name,
        ArtifactKey key,
        Func<OperationId, CancellationToken, ValueTask<T>> call,
        Func<T, bool> unknownAgent,
        CancellationToken cancellationToken,
        OperationId operation = default,
        Func<T, ValueTask>? onResult = null,
        bool resolving = false)
    {
        var id = operation.IsNone ? OperationId.New() : operation;
        var retry = _client.Options.StoreRetry;
        var mayHaveLanded = resolving;
        var reregistered = false;
        for (var attempt = 1; ; attempt++)
        {
            // Once a write may have landed, the caller's cancellation can no longer make it not happen:
            // the same id is sent again (bounded) so the caller learns which.
            var token = mayHaveLanded ? CancellationToken.None : cancellationToken;
            Exception failure;
            try
            {
                token.ThrowIfCancellationRequested();
                var result = await call(id, token).ConfigureAwait(false);
                if (unknownAgent(result) && !reregistered && On(ClientGuards.Reregistration))
                {
                    reregistered = true;
                    await _reregister(token).ConfigureAwait(false);
                    attempt--;
                    continue;
                }

                if (onResult is not null && (attempt == 1 || On(ClientGuards.OutcomeAfterLostReply)))
                {
                    await onResult(result).ConfigureAwait(false);
                }

                return result;
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex) when (PassesThrough(ex))
            {
                throw;
            }
            catch (Exception ex)
            {
                failure = ex;
                mayHaveLanded |= ex is not StoreUnavailableException;
            }

            if (attempt >= retry.MaxAttempts || (mayHaveLanded && cancellationToken.IsCancellationRequested && (attempt > 1 || resolving)))
            {
                throw mayHaveLanded
                    ? new OutcomeUnknownException(key, name, failure, id)
                    {
                        Replay = async ct => (object?)await WriteAsync(name, key, call, unknownAgent, ct, id, onResult, resolving: true).ConfigureAwait(false),
                    }
                    : Unavailable(name, key, failure);
            }

            _client.Diagnostics.StoreRetries.Add(1, new KeyValuePair<string, object?>("operation", name));
            Log.StoreRetry(_logger, failure, name, _agent.Value, key.ToString(), attempt, id.ToString());
            await DelayAsync(attempt, mayHaveLanded ? CancellationToken.None : cancellationToken).ConfigureAwait(false);
            if (_client.Guards != ClientGuards.All)
            {
                id = await MutantRetryIdAsync(id, key, mayHaveLanded).ConfigureAwait(false);
            }
        }
    }

    /// <summary>A call with no effect to resolve (a read, a registration, a heartbeat): simply repeated after a store failure.</summary>
    public async ValueTask<T> ReadAsync<T>(string name, ArtifactKey? key, Func<CancellationToken, ValueTask<T>> call, Func<T, bool> unknownAgent, CancellationToken cancellationToken)
    {
        var retry = _client.Options.StoreRetry;
        var reregistered = false;
        for (var attempt = 1; ; attempt++)
        {
            Exception failure;
            try
            {
                cancellationToken.ThrowIfCancellationRequested();
                var result = await call(cancellationToken).ConfigureAwait(false);
                if (unknownAgent(result) && !reregistered && On(ClientGuards.Reregistration))
                {
                    reregistered = true;
                    await _reregister(cancellationToken).ConfigureAwait(false);
                    attempt--;
                    continue;
                }

                return result;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex) when (PassesThrough(ex))
            {
                throw;
            }
            catch (Exception ex)
            {
                failure = ex;
            }

            if (attempt >= retry.MaxAttempts)
            {
                throw Unavailable(name, key, failure);
            }

            _client.Diagnostics.StoreRetries.Add(1, new KeyValuePair<string, object?>("operation", name));
            Log.StoreRetry(_logger, failure, name, _agent.Value, key?.ToString() ?? "-", attempt, "-");
            await DelayAsync(attempt, cancellationToken).ConfigureAwait(false);
        }
    }

    // Not a failure of the store: bad input, a refusal, a broken invariant (a bug), a disposed client, or a
    // side effect that failed inside the step (which undid the write). Retrying cannot change any of them.
    private static bool PassesThrough(Exception ex) =>
        ex is CoherenceArgumentException or CoherenceException or InvariantViolationException or ObjectDisposedException or AtomicEffectFailedException;

    /// <summary>A store failure as the library's own type: kept when it is one already.</summary>
    public static StoreUnavailableException Unavailable(string name, ArtifactKey? key, Exception failure) =>
        failure as StoreUnavailableException
        ?? new StoreUnavailableException(name, key, $"{name}{(key is null ? string.Empty : $" on '{key}'")} failed at the directory store ({failure.GetType().Name}: {failure.Message}). Nothing was applied; retry later.", failure);

    private bool On(ClientGuards guard) => (_client.Guards & guard) == guard;

    // Only the model checker's mutants take another id (see ClientGuards); production retries with the same one.
    private async ValueTask<OperationId> MutantRetryIdAsync(OperationId id, ArtifactKey key, bool mayHaveLanded)
    {
        if (mayHaveLanded && !On(ClientGuards.SideEffectFreeResolution))
        {
            // The old resolution: look at the artifact first. The read registers a view and re-arms the fence.
            try
            {
                await _client.Store.ReadAsync(_agent, key, -1, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not InvariantViolationException)
            {
                Log.StoreRetry(_logger, ex, "Read", _agent.Value, key.ToString(), 0, "-");
            }

            return OperationId.New();
        }

        return On(ClientGuards.SameOperationId) ? id : OperationId.New();
    }

    // The first retry is immediate (a lost reply on a healthy store); later ones back off with full jitter.
    private Task DelayAsync(int attempt, CancellationToken cancellationToken)
    {
        if (attempt == 1)
        {
            return Task.CompletedTask;
        }

        var settings = _client.Options.StoreRetry;
        var ceiling = Math.Min(settings.MaxDelay.TotalMilliseconds, settings.BaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 2));
        var delay = TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling);
        return delay <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(delay, _client.Time, cancellationToken);
    }
}

using AgentCoherence.Protocol;
using AgentCoherence.Recording;

namespace AgentCoherence.Internal;

/// <summary>
/// The client's store while it records: every call an agent or the client makes goes to the real store
/// unchanged, and its request, reply (or failure) and timestamps become one <see cref="RecordingEntry"/> for each
/// active recorder. Each attempt of a retried write passes through here on its own, so it gets its own line with
/// the same operation id. Listing and inspection calls act for no agent and are not recorded.
/// </summary>
internal sealed class RecordingDirectoryStore : IAtomicEffectStore
{
    private readonly CoherenceClient _client;
    private readonly IDirectoryStore _inner;

    public RecordingDirectoryStore(CoherenceClient client, IDirectoryStore inner)
    {
        _client = client;
        _inner = inner;
    }

    public bool SharedAcrossProcesses => _inner.SharedAcrossProcesses;

    private IAtomicEffectStore Effects => (IAtomicEffectStore)_inner;

    public async ValueTask RegisterAgentAsync(AgentId agent, CancellationToken cancellationToken = default)
    {
        await _client.WaitForRecordingRoomAsync(cancellationToken).ConfigureAwait(false);
        var start = Begin(RecordingOperation.Register, agent, null);
        try
        {
            await _inner.RegisterAgentAsync(agent, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Fail(start, ex, write: false);
            throw;
        }

        End(start);
    }

    public async ValueTask<Refusal?> HeartbeatAsync(AgentId agent, CancellationToken cancellationToken = default)
    {
        await _client.WaitForRecordingRoomAsync(cancellationToken).ConfigureAwait(false);
        var start = Begin(RecordingOperation.Heartbeat, agent, null);
        Refusal? refusal;
        try
        {
            refusal = await _inner.HeartbeatAsync(agent, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Fail(start, ex, write: false);
            throw;
        }

        End(refusal is null ? start : WithRefusal(start, refusal));
        return refusal;
    }

    public async ValueTask<ReadResult> ReadAsync(AgentId agent, ArtifactKey key, long knownVersion = -1, CancellationToken cancellationToken = default)
    {
        await _client.WaitForRecordingRoomAsync(cancellationToken).ConfigureAwait(false);
        var start = Begin(RecordingOperation.Read, agent, key) with { Known = knownVersion >= 0 ? knownVersion : null };
        ReadResult result;
        try
        {
            result = await _inner.ReadAsync(agent, key, knownVersion, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Fail(start, ex, write: false);
            throw;
        }

        if (result.Refusal is { } refusal)
        {
            End(WithRefusal(start, refusal) with { Tombstone = refusal.IsTombstone ? true : null });
        }
        else
        {
            var content = result.ContentIncluded ? result.Content : null;
            End(start with
            {
                Version = result.Version,
                OwnerEpoch = result.OwnerEpoch,
                ContentIncluded = result.ContentIncluded,
                Hash = content is null ? null : result.ContentHash,
                Size = content?.LongLength,
                Tokens = content is null ? null : result.SizeTokens,
                Content = content is not null && WantContent() ? Convert.ToBase64String(content) : null,
            });
        }

        return result;
    }

    public ValueTask<WriteResult> AcquireAsync(AgentId agent, ArtifactKey key, OperationId operation = default, CancellationToken cancellationToken = default) =>
        WriteAsync(Begin(RecordingOperation.Acquire, agent, key, operation), () => _inner.AcquireAsync(agent, key, operation, cancellationToken), cancellationToken);

    public ValueTask<WriteResult> CommitAsync(AgentId agent, ArtifactKey key, ContentPayload content, OperationId operation = default, CancellationToken cancellationToken = default) =>
        WriteAsync(WithContent(Begin(RecordingOperation.Commit, agent, key, operation), content), () => _inner.CommitAsync(agent, key, content, operation, cancellationToken), cancellationToken);

    public ValueTask<WriteResult> CommitCasAsync(AgentId agent, ArtifactKey key, ContentPayload content, long expectedVersion, OperationId operation = default, CancellationToken cancellationToken = default) =>
        WriteAsync(
            WithContent(Begin(RecordingOperation.CommitCas, agent, key, operation), content) with { Expected = expectedVersion },
            () => _inner.CommitCasAsync(agent, key, content, expectedVersion, operation, cancellationToken), cancellationToken);

    public ValueTask<WriteResult> CommitWithEffectAsync(AgentId agent, ArtifactKey key, ContentPayload content, OperationId operation, Action<WriteResult> effect, CancellationToken cancellationToken = default) =>
        WriteAsync(WithContent(Begin(RecordingOperation.Commit, agent, key, operation), content), () => Effects.CommitWithEffectAsync(agent, key, content, operation, effect, cancellationToken), cancellationToken);

    public ValueTask<WriteResult> CommitCasWithEffectAsync(AgentId agent, ArtifactKey key, ContentPayload content, long expectedVersion, OperationId operation, Action<WriteResult> effect, CancellationToken cancellationToken = default) =>
        WriteAsync(
            WithContent(Begin(RecordingOperation.CommitCas, agent, key, operation), content) with { Expected = expectedVersion },
            () => Effects.CommitCasWithEffectAsync(agent, key, content, expectedVersion, operation, effect, cancellationToken), cancellationToken);

    public ValueTask<CommitAllResult> CommitAllAsync(AgentId agent, IReadOnlyList<BatchMember> members, OperationId operation = default, CancellationToken cancellationToken = default) =>
        CommitAllCoreAsync(agent, members, operation, () => _inner.CommitAllAsync(agent, members, operation, cancellationToken), cancellationToken);

    public ValueTask<CommitAllResult> CommitAllWithEffectAsync(AgentId agent, IReadOnlyList<BatchMember> members, OperationId operation, Action<CommitAllResult> effect, CancellationToken cancellationToken = default) =>
        CommitAllCoreAsync(agent, members, operation, () => Effects.CommitAllWithEffectAsync(agent, members, operation, effect, cancellationToken), cancellationToken);

    // Observe mode's uncoordinated write: recorded as Override, with the content (none for a delete).
    public ValueTask<WriteResult> OverrideAsync(AgentId agent, ArtifactKey key, ContentPayload? content, OperationId operation = default, CancellationToken cancellationToken = default) =>
        WriteAsync(OverrideEntry(agent, key, content, operation), () => _inner.OverrideAsync(agent, key, content, operation, cancellationToken), cancellationToken);

    public ValueTask<WriteResult> OverrideWithEffectAsync(AgentId agent, ArtifactKey key, ContentPayload? content, OperationId operation, Action<WriteResult> effect, CancellationToken cancellationToken = default) =>
        WriteAsync(OverrideEntry(agent, key, content, operation), () => Effects.OverrideWithEffectAsync(agent, key, content, operation, effect, cancellationToken), cancellationToken);

    private RecordingEntry OverrideEntry(AgentId agent, ArtifactKey key, ContentPayload? content, OperationId operation)
    {
        // The operation does not say whether it deletes: a tombstone override is marked so replay deletes too.
        var entry = Begin(RecordingOperation.Override, agent, key, operation);
        return content is null ? entry with { Tombstone = true } : WithContent(entry, content);
    }

    public ValueTask<WriteResult> DeleteAsync(AgentId agent, ArtifactKey key, long? expectedVersion, OperationId operation = default, CancellationToken cancellationToken = default) =>
        WriteAsync(
            Begin(expectedVersion is null ? RecordingOperation.Delete : RecordingOperation.DeleteCas, agent, key, operation) with { Expected = expectedVersion },
            () => _inner.DeleteAsync(agent, key, expectedVersion, operation, cancellationToken), cancellationToken);

    public async ValueTask<bool> ReleaseAsync(AgentId agent, ArtifactKey key, OperationId operation = default, CancellationToken cancellationToken = default)
    {
        await _client.WaitForRecordingRoomAsync(cancellationToken).ConfigureAwait(false);
        var start = Begin(RecordingOperation.Release, agent, key, operation);
        bool found;
        try
        {
            found = await _inner.ReleaseAsync(agent, key, operation, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Fail(start, ex, write: true);
            throw;
        }

        End(start with { Found = found });
        return found;
    }

    public async ValueTask<bool> ForgetAsync(AgentId agent, CancellationToken cancellationToken = default)
    {
        await _client.WaitForRecordingRoomAsync(cancellationToken).ConfigureAwait(false);
        var start = Begin(RecordingOperation.Forget, agent, null);
        bool found;
        try
        {
            found = await _inner.ForgetAsync(agent, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Fail(start, ex, write: true);
            throw;
        }

        End(start with { Found = found });
        return found;
    }

    public async ValueTask<SweepResult> SweepAsync(SweepPolicy policy, CancellationToken cancellationToken = default)
    {
        await _client.WaitForRecordingRoomAsync(cancellationToken).ConfigureAwait(false);
        var start = Begin(RecordingOperation.Sweep, null, null) with
        {
            HeartbeatTimeout = policy.HeartbeatTimeout,
            MaxHold = policy.MaxHold,
            PruneSilentAfter = policy.PruneSilentAfter,
        };
        SweepResult result;
        try
        {
            result = await _inner.SweepAsync(policy, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Fail(start, ex, write: true);
            throw;
        }

        End(start with { Pruned = result.PrunedEntries, Signals = Signals(result.Signals) });
        return result;
    }

    public ValueTask<DirectoryRecord?> InspectAsync(ArtifactKey key, CancellationToken cancellationToken = default) => _inner.InspectAsync(key, cancellationToken);

    public ValueTask<T> InspectWithEffectAsync<T>(ArtifactKey key, Func<DirectoryRecord?, T> effect, CancellationToken cancellationToken = default) =>
        Effects.InspectWithEffectAsync(key, effect, cancellationToken);

    public IAsyncEnumerable<DirectoryRecord> ListRecordsAsync(CancellationToken cancellationToken = default) => _inner.ListRecordsAsync(cancellationToken);

    public IAsyncEnumerable<AgentHeartbeat> ListAgentsAsync(CancellationToken cancellationToken = default) => _inner.ListAgentsAsync(cancellationToken);

    public ValueTask ConnectAsync(CancellationToken cancellationToken = default) => _inner.ConnectAsync(cancellationToken);

    private static IReadOnlyList<RecordingSignal>? Signals(IReadOnlyList<InvalidationSignal> signals) =>
        signals.Count == 0 ? null : signals.Select(RecordingFormat.ToRecording).ToList();

    private static RecordingEntry WithRefusal(RecordingEntry entry, Refusal refusal) => entry with
    {
        Outcome = RecordingOutcome.Refused,
        Reason = refusal.Reason,
        Version = refusal.CurrentVersion,
        OwnerEpoch = refusal.OwnerEpoch,
        ReadEpoch = refusal.ReadEpoch,
        Holder = refusal.Holder?.Value,
        CallerVersion = refusal.CallerVersion,
    };

    private RecordingEntry Begin(RecordingOperation op, AgentId? agent, ArtifactKey? key, OperationId operation = default) => new()
    {
        Op = op,
        Agent = agent?.Value,
        Key = key?.StoreKey,
        OperationId = operation.Value,
        View = agent is { } a && key is not null && op != RecordingOperation.Read ? _client.ViewOf(a, key) : null,
        Started = _client.Time.GetUtcNow(),
    };

    private RecordingEntry WithContent(RecordingEntry entry, ContentPayload content) => entry with
    {
        Hash = content.Hash,
        Size = content.Bytes.LongLength,
        Tokens = content.SizeTokens,
        Content = WantContent() ? Convert.ToBase64String(content.Bytes) : null,
    };

    private bool WantContent() => _client.RecordsContent;

    private async ValueTask<WriteResult> WriteAsync(RecordingEntry start, Func<ValueTask<WriteResult>> call, CancellationToken cancellationToken)
    {
        if (_client.RecordingFull)
        {
            // RecordingOverflow.Wait: wait before the call, so a cancelled wait leaves nothing done and nothing unrecorded.
            await _client.WaitForRecordingRoomAsync(cancellationToken).ConfigureAwait(false);
            start = start with { Started = _client.Time.GetUtcNow() };
        }

        WriteResult result;
        try
        {
            result = await call().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Fail(start, ex, write: true);
            throw;
        }

        End(result.Refusal is { } refusal
            ? WithRefusal(start, refusal)
            : start with { Version = result.Version, OwnerEpoch = result.Signals.Count > 0 ? result.Signals[0].OwnerEpoch : null, Signals = Signals(result.Signals) });
        return result;
    }

    private async ValueTask<CommitAllResult> CommitAllCoreAsync(AgentId agent, IReadOnlyList<BatchMember> members, OperationId operation, Func<ValueTask<CommitAllResult>> call, CancellationToken cancellationToken)
    {
        await _client.WaitForRecordingRoomAsync(cancellationToken).ConfigureAwait(false);
        var start = Begin(RecordingOperation.CommitAll, agent, null, operation);
        var content = WantContent();
        var recorded = new RecordingMember[members.Count];
        for (var i = 0; i < members.Count; i++)
        {
            var m = members[i];
            recorded[i] = new RecordingMember
            {
                Key = m.Key.StoreKey,
                Expected = m.ExpectedVersion,
                Hash = m.Content.Hash,
                Size = m.Content.Bytes.LongLength,
                Tokens = m.Content.SizeTokens,
                Content = content ? Convert.ToBase64String(m.Content.Bytes) : null,
            };
        }

        CommitAllResult result;
        try
        {
            result = await call().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Fail(start with { Members = recorded }, ex, write: true);
            throw;
        }

        for (var i = 0; i < recorded.Length; i++)
        {
            var refusal = i < result.Refusals.Count ? result.Refusals[i] : null;
            recorded[i] = recorded[i] with
            {
                Version = refusal?.CurrentVersion ?? (i < result.Versions.Count ? result.Versions[i] : null),
                Reason = refusal?.Reason,
            };
        }

        End(start with
        {
            Outcome = result.Committed ? RecordingOutcome.Ok : RecordingOutcome.Refused,
            Members = recorded,
            Signals = Signals(result.Signals),
        });
        return result;
    }

    private void End(RecordingEntry entry) => _client.Record(entry with { Completed = _client.Time.GetUtcNow() });

    // A read, registration or heartbeat changes nothing that matters when it fails; a write that failed other than
    // as "unavailable" (nothing applied) may have landed.
    private void Fail(RecordingEntry entry, Exception ex, bool write) => End(entry with
    {
        Outcome = !write || ex is StoreUnavailableException or AtomicEffectFailedException or CoherenceArgumentException ? RecordingOutcome.Unavailable : RecordingOutcome.Unknown,
        Error = $"{ex.GetType().Name}: {ex.Message}",
    });
}

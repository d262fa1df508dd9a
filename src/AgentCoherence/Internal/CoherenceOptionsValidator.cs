using Microsoft.Extensions.Options;

namespace AgentCoherence.Internal;

/// <summary>Checks <see cref="CoherenceOptions"/> at start-up and says exactly which setting is wrong.</summary>
internal sealed class CoherenceOptionsValidator : IValidateOptions<CoherenceOptions>
{
    public ValidateOptionsResult Validate(string? name, CoherenceOptions options)
    {
        var errors = Collect(options).ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    internal static IEnumerable<string> Collect(CoherenceOptions options)
    {
        const string S = CoherenceOptions.SectionName;
        string? nsError = null;
        try
        {
            _ = new ArtifactKey(options.DefaultNamespace, "x");
        }
        catch (CoherenceArgumentException ex)
        {
            nsError = $"{S}:DefaultNamespace is invalid: {ex.Message}";
        }

        if (nsError is not null)
        {
            yield return nsError;
        }

        if (options.MaxContentBytes <= 0)
        {
            yield return $"{S}:MaxContentBytes must be positive (got {options.MaxContentBytes}).";
        }

        if (options.MaxBatchSize is <= 0 or > 10_000)
        {
            yield return $"{S}:MaxBatchSize must be between 1 and 10000 (got {options.MaxBatchSize}).";
        }

        if (options.StartTimeout <= TimeSpan.Zero || options.StartTimeout > TimeSpan.FromMinutes(10))
        {
            yield return $"{S}:StartTimeout must be positive and at most 10 minutes (got {options.StartTimeout}).";
        }

        if (!Enum.IsDefined(options.Mode))
        {
            yield return $"{S}:Mode '{options.Mode}' is not one of Enforce, Observe.";
        }

        var recovery = options.CrashRecovery;
        if (recovery.HeartbeatTimeout <= TimeSpan.Zero)
        {
            yield return $"{S}:CrashRecovery:HeartbeatTimeout must be positive (got {recovery.HeartbeatTimeout}).";
        }

        if (recovery.MaxHold <= TimeSpan.Zero)
        {
            yield return $"{S}:CrashRecovery:MaxHold must be positive (got {recovery.MaxHold}).";
        }

        if (recovery.SweepInterval <= TimeSpan.Zero)
        {
            yield return $"{S}:CrashRecovery:SweepInterval must be positive (got {recovery.SweepInterval}).";
        }

        if (recovery.PruneSilentAfter is { } prune && prune < recovery.HeartbeatTimeout)
        {
            yield return $"{S}:CrashRecovery:PruneSilentAfter ({prune}) must not be shorter than HeartbeatTimeout ({recovery.HeartbeatTimeout}).";
        }

        if (options.HeartbeatInterval <= TimeSpan.Zero || options.HeartbeatInterval >= recovery.HeartbeatTimeout)
        {
            yield return $"{S}:HeartbeatInterval ({options.HeartbeatInterval}) must be positive and shorter than CrashRecovery:HeartbeatTimeout ({recovery.HeartbeatTimeout}), or live agents lose their grants.";
        }

        if (options.Cache.LeaseTtl <= TimeSpan.Zero)
        {
            yield return $"{S}:Cache:LeaseTtl must be positive (got {options.Cache.LeaseTtl}).";
        }

        if (options.Cache.AccessCount <= 0)
        {
            yield return $"{S}:Cache:AccessCount must be positive (got {options.Cache.AccessCount}).";
        }

        if (!Enum.IsDefined(options.Cache.Strategy))
        {
            yield return $"{S}:Cache:Strategy '{options.Cache.Strategy}' is not one of Lazy, Eager, Lease, AccessCount, Broadcast.";
        }

        if (options.Update.MaxRetries is < 0 or > 10_000)
        {
            yield return $"{S}:Update:MaxRetries must be between 0 and 10000 (got {options.Update.MaxRetries}).";
        }

        if (options.StoreRetry is null || options.StoreRetry.MaxAttempts is < 1 or > 1_000)
        {
            yield return $"{S}:StoreRetry:MaxAttempts must be between 1 and 1000 (got {options.StoreRetry?.MaxAttempts})";
        }
        else if (options.StoreRetry.BaseDelay < TimeSpan.Zero || options.StoreRetry.MaxDelay < options.StoreRetry.BaseDelay)
        {
            yield return $"{S}:StoreRetry:BaseDelay must be non-negative and not above StoreRetry:MaxDelay (got {options.StoreRetry.BaseDelay} and {options.StoreRetry.MaxDelay}).";
        }

        if (options.Update.BaseDelay < TimeSpan.Zero || options.Update.MaxDelay < options.Update.BaseDelay)
        {
            yield return $"{S}:Update:BaseDelay must be non-negative and not above MaxDelay (got {options.Update.BaseDelay} and {options.Update.MaxDelay}).";
        }

        if (options.Recording is null)
        {
            yield return $"{S}:Recording must not be null.";
        }
        else if (options.Recording.MaxFileBytes <= 0)
        {
            yield return $"{S}:Recording:MaxFileBytes must be positive (got {options.Recording.MaxFileBytes}).";
        }

        if (options.Recording is { MaxQueuedLines: <= 0 } recording)
        {
            yield return $"{S}:Recording:MaxQueuedLines must be positive (got {recording.MaxQueuedLines}).";
        }

        if (options.Recording is { } r && !Enum.IsDefined(r.WhenFull))
        {
            yield return $"{S}:Recording:WhenFull must be Drop or Wait (got {r.WhenFull}).";
        }
    }

    /// <summary>Throws when the options are invalid; used where no host validates them.</summary>
    internal static void ThrowIfInvalid(CoherenceOptions options)
    {
        var errors = Collect(options).ToList();
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(CoherenceOptions.SectionName, typeof(CoherenceOptions), errors);
        }
    }
}

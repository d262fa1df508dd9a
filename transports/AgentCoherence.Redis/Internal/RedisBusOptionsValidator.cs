using Microsoft.Extensions.Options;

namespace AgentCoherence.Redis.Internal;

/// <summary>Checks <see cref="RedisBusOptions"/> at start-up and says exactly which setting is wrong.</summary>
internal sealed class RedisBusOptionsValidator : IValidateOptions<RedisBusOptions>
{
    /// <summary>The conventional section, used in messages.</summary>
    public const string Section = "AgentCoherence:Transport:Redis";

    public ValidateOptionsResult Validate(string? name, RedisBusOptions options)
    {
        var errors = Collect(options).ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> when the options are invalid; used where no host validates them.</summary>
    public static void ThrowIfInvalid(RedisBusOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = Collect(options).ToList();
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(Section, typeof(RedisBusOptions), errors);
        }
    }

    internal static IEnumerable<string> Collect(RedisBusOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Channel))
        {
            yield return $"{Section}:Channel must be set.";
        }

        if (options.ConnectionString is not null && RedisConnection.ParseError(options.ConnectionString) is { } invalid)
        {
            yield return $"{Section}:ConnectionString is not a StackExchange.Redis configuration string: {invalid}. Leave it unset to share the store's connection.";
        }
    }
}

using Microsoft.Extensions.Options;

namespace AgentCoherence.MassTransit.Internal;

/// <summary>Checks <see cref="MassTransitBusOptions"/> at start-up and says exactly which setting is wrong.</summary>
internal sealed class MassTransitBusOptionsValidator : IValidateOptions<MassTransitBusOptions>
{
    /// <summary>The conventional section, used in messages.</summary>
    public const string Section = "AgentCoherence:Transport:MassTransit";

    public ValidateOptionsResult Validate(string? name, MassTransitBusOptions options)
    {
        var errors = Collect(options).ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> when the options are invalid; used where no host validates them.</summary>
    public static void ThrowIfInvalid(MassTransitBusOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = Collect(options).ToList();
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(Section, typeof(MassTransitBusOptions), errors);
        }
    }

    internal static IEnumerable<string> Collect(MassTransitBusOptions options)
    {
        const string S = Section;
        if (!Enum.IsDefined(options.Kind))
        {
            yield return $"{S}:Kind '{options.Kind}' is not one of {string.Join(", ", Enum.GetNames<MassTransitBusKind>())}.";
        }

        if (string.IsNullOrWhiteSpace(options.ExchangeName) || options.ExchangeName.Any(char.IsWhiteSpace))
        {
            yield return $"{S}:ExchangeName must be set, without spaces (got '{options.ExchangeName}').";
        }

        if (options.StartTimeout <= TimeSpan.Zero || options.StartTimeout > TimeSpan.FromMinutes(10))
        {
            yield return $"{S}:StartTimeout must be positive and at most 10 minutes (got {options.StartTimeout}).";
        }

        if (options.Kind != MassTransitBusKind.RabbitMq)
        {
            yield break;
        }

        if (string.IsNullOrWhiteSpace(options.Host) || Uri.CheckHostName(options.Host) == UriHostNameType.Unknown)
        {
            yield return $"{S}:Host '{options.Host}' is not a host name or address.";
        }

        if (options.Port == 0)
        {
            yield return $"{S}:Port must be between 1 and 65535 (got 0).";
        }

        if (string.IsNullOrEmpty(options.VirtualHost))
        {
            yield return $"{S}:VirtualHost must be set ('/' is RabbitMQ's default).";
        }

        if (string.IsNullOrEmpty(options.Username))
        {
            yield return $"{S}:Username must be set.";
        }
    }
}

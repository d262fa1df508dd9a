using Microsoft.Extensions.Options;

namespace AgentCoherence.Kafka.Internal;

/// <summary>Checks <see cref="KafkaBusOptions"/> at start-up and says exactly which setting is wrong.</summary>
internal sealed class KafkaBusOptionsValidator : IValidateOptions<KafkaBusOptions>
{
    /// <summary>The conventional section, used in messages.</summary>
    public const string Section = "AgentCoherence:Transport:Kafka";

    public ValidateOptionsResult Validate(string? name, KafkaBusOptions options)
    {
        var errors = Collect(options).ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> when the options are invalid; used where no host validates them.</summary>
    public static void ThrowIfInvalid(KafkaBusOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = Collect(options).ToList();
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(Section, typeof(KafkaBusOptions), errors);
        }
    }

    internal static IEnumerable<string> Collect(KafkaBusOptions options)
    {
        const string S = Section;
        if (string.IsNullOrWhiteSpace(options.BootstrapServers))
        {
            yield return $"{S}:BootstrapServers must be set (host:port, comma-separated).";
        }
        else
        {
            foreach (var server in options.BootstrapServers.Split(',', StringSplitOptions.TrimEntries))
            {
                var colon = server.LastIndexOf(':');
                if (colon <= 0 || !int.TryParse(server.AsSpan(colon + 1), out var port) || port is < 1 or > 65535)
                {
                    yield return $"{S}:BootstrapServers entry '{server}' is not host:port.";
                }
            }
        }

        if (!IsTopicName(options.Topic))
        {
            yield return $"{S}:Topic '{options.Topic}' is not a Kafka topic name: 1 to 249 of the characters a-z, A-Z, 0-9, '.', '_', '-', and not '.' or '..'.";
        }

        if (options.TopicPartitions < 1)
        {
            yield return $"{S}:TopicPartitions must be at least 1 (got {options.TopicPartitions}).";
        }

        if (options.TopicReplicationFactor is 0 or < -1)
        {
            yield return $"{S}:TopicReplicationFactor must be -1 (the broker's default) or at least 1 (got {options.TopicReplicationFactor}).";
        }

        if (string.IsNullOrWhiteSpace(options.ClientId))
        {
            yield return $"{S}:ClientId must be set.";
        }

        if (options.LingerMs is < 0 or > 900_000)
        {
            yield return $"{S}:LingerMs must be between 0 and 900000 (got {options.LingerMs}).";
        }

        if (options.StartTimeout <= TimeSpan.Zero || options.StartTimeout > TimeSpan.FromMinutes(10))
        {
            yield return $"{S}:StartTimeout must be positive and at most 10 minutes (got {options.StartTimeout}).";
        }

        if (options.Properties is null)
        {
            yield return $"{S}:Properties must not be null.";
        }
        else if (options.Properties.Keys.FirstOrDefault(string.IsNullOrWhiteSpace) is not null)
        {
            yield return $"{S}:Properties has an empty property name.";
        }
    }

    private static bool IsTopicName(string? topic) =>
        !string.IsNullOrEmpty(topic) && topic.Length <= 249 && topic is not "." and not ".."
        && topic.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
}

using Microsoft.Extensions.Options;

namespace AgentCoherence.Nats.Internal;

/// <summary>Checks <see cref="NatsBusOptions"/> at start-up and says exactly which setting is wrong.</summary>
internal sealed class NatsBusOptionsValidator : IValidateOptions<NatsBusOptions>
{
    /// <summary>The conventional section, used in messages.</summary>
    public const string Section = "AgentCoherence:Transport:Nats";

    private static readonly string[] Schemes = ["nats", "tls", "ws", "wss"];

    public ValidateOptionsResult Validate(string? name, NatsBusOptions options)
    {
        var errors = Collect(options).ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> when the options are invalid; used where no host validates them.</summary>
    public static void ThrowIfInvalid(NatsBusOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = Collect(options).ToList();
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(Section, typeof(NatsBusOptions), errors);
        }
    }

    internal static IEnumerable<string> Collect(NatsBusOptions options)
    {
        const string S = Section;
        if (string.IsNullOrWhiteSpace(options.Url))
        {
            yield return $"{S}:Url must be set (one or more nats://host:port, comma-separated).";
        }
        else
        {
            foreach (var url in options.Url.Split(',', StringSplitOptions.TrimEntries))
            {
                if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !Schemes.Contains(uri.Scheme, StringComparer.OrdinalIgnoreCase) || uri.Host.Length == 0)
                {
                    yield return $"{S}:Url '{url}' is not a server URL; expected {string.Join(", ", Schemes.Select(s => s + "://host:port"))}.";
                }
            }
        }

        if (!IsPublishableSubject(options.Subject))
        {
            yield return $"{S}:Subject '{options.Subject}' is not a subject to publish on: dot-separated tokens, no spaces, no wildcards (* or >).";
        }

        if (options.ReconnectWaitMin < TimeSpan.Zero)
        {
            yield return $"{S}:ReconnectWaitMin must not be negative (got {options.ReconnectWaitMin}).";
        }

        if (options.ReconnectWaitMax < options.ReconnectWaitMin || options.ReconnectWaitMax > TimeSpan.FromMinutes(10))
        {
            yield return $"{S}:ReconnectWaitMax ({options.ReconnectWaitMax}) must be at least ReconnectWaitMin ({options.ReconnectWaitMin}) and at most 10 minutes.";
        }

        var hasUser = !string.IsNullOrEmpty(options.Username) || !string.IsNullOrEmpty(options.Password);
        var schemes = (hasUser ? 1 : 0) + (string.IsNullOrEmpty(options.Token) ? 0 : 1) + (string.IsNullOrEmpty(options.CredentialsFile) ? 0 : 1);
        if (schemes > 1)
        {
            yield return $"{S}: set at most one of Username/Password, Token and CredentialsFile.";
        }

        if (!string.IsNullOrEmpty(options.Password) && string.IsNullOrEmpty(options.Username))
        {
            yield return $"{S}:Password is set without {S}:Username.";
        }

        if (!string.IsNullOrEmpty(options.CredentialsFile) && !File.Exists(options.CredentialsFile))
        {
            yield return $"{S}:CredentialsFile '{options.CredentialsFile}' does not exist.";
        }
    }

    private static bool IsPublishableSubject(string? subject) =>
        !string.IsNullOrWhiteSpace(subject)
        && subject.Split('.').All(token => token.Length > 0 && token != "*" && token != ">" && !token.Any(char.IsWhiteSpace));
}

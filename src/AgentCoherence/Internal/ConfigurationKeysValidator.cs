using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace AgentCoherence.Internal;

/// <summary>
/// Fails the options bound from a section when the section holds a key that names no setting, or lacks
/// a required one; runs where the options are validated (host start under <c>ValidateOnStart</c>).
/// </summary>
internal sealed class ConfigurationKeysValidator<TOptions>(IConfiguration section, string path, IReadOnlyList<string> required, Func<string, bool>? alsoValid = null)
    : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        if (name is not null && name != Options.DefaultName)
        {
            return ValidateOptionsResult.Skip;
        }

        var problems = ConfigurationKeys.Missing(section, path, required)
            .Concat(ConfigurationKeys.Unknown(section, path, typeof(TOptions), alsoValid))
            .ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}

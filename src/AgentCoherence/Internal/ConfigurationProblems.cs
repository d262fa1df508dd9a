using Microsoft.Extensions.Options;

namespace AgentCoherence.Internal;

/// <summary>Problems found while the services were registered, reported where the options are validated (host start).</summary>
internal sealed class ConfigurationProblems<TOptions>(IReadOnlyList<string> problems) : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options) =>
        name is not null && name != Options.DefaultName ? ValidateOptionsResult.Skip : ValidateOptionsResult.Fail(problems);
}

using Xunit;

namespace AgentCoherence.Testing.Servers;

/// <summary>The rule for a missing server: skipped on a developer's machine, failed under <c>CI=true</c>.</summary>
public static class ServerSkip
{
    /// <summary>
    /// Skips the calling test when <paramref name="unavailableReason"/> is set; under <c>CI=true</c> fails
    /// it with that reason instead. Needs <c>[SkippableFact]</c> on the test to report a skip.
    /// </summary>
    public static void SkipIfUnavailable(string? unavailableReason)
    {
        if (unavailableReason is null)
        {
            return;
        }

        if (ServerEnvironment.InCi)
        {
            throw new Xunit.Sdk.XunitException("CI=true: " + unavailableReason);
        }

        Skip.If(true, unavailableReason);
    }
}

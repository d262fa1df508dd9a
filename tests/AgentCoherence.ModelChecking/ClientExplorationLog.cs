using AgentCoherence.ModelChecking.ClientModel;
using Xunit.Abstractions;

namespace AgentCoherence.ModelChecking;

/// <summary>Prints a client exploration: the STATES line on the console (the CI script keeps it), details in the test output.</summary>
internal static class ClientExplorationLog
{
    public static void Write(ITestOutputHelper output, ClientExplorationResult result)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(result);
        output.WriteLine(result.Summary);
        output.WriteLine("reached: " + string.Join("; ", result.Coverage.Order(StringComparer.Ordinal)));
        foreach (var counterexample in result.Violations.Values)
        {
            output.WriteLine(counterexample.ToString());
        }

        Console.WriteLine(result.Summary);
    }
}

using AgentCoherence.ModelChecking.Explorer;
using Xunit.Abstractions;

namespace AgentCoherence.ModelChecking;

/// <summary>Prints an exploration's numbers to the test output and, as one line, to the console.</summary>
internal static class ExplorationLog
{
    public static void Write(ITestOutputHelper output, ExplorationResult result)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(result);
        output.WriteLine(result.Summary);
        output.WriteLine("coverage: " + result.Coverage);
        if (result.Counterexample is { } counterexample)
        {
            output.WriteLine(counterexample.ToString());
        }

        Console.WriteLine(result.Summary);
    }
}

namespace AgentCoherence.ModelChecking;

/// <summary>
/// A fact that runs only when <c>MODEL_CHECKING_FULL=1</c> is set: explorations that take minutes on a
/// 2-core machine and are too slow for every test run.
/// </summary>
public sealed class FullExplorationFactAttribute : FactAttribute
{
    public const string Variable = "MODEL_CHECKING_FULL";

    public FullExplorationFactAttribute()
    {
        if (Environment.GetEnvironmentVariable(Variable) != "1")
        {
            Skip = $"takes minutes; set {Variable}=1 to run it";
        }
    }
}

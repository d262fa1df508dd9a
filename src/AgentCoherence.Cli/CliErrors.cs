namespace AgentCoherence.Cli;

/// <summary>Where commands write their error messages: standard error, or a test's writer.</summary>
internal sealed class CliErrors(TextWriter writer)
{
    public TextWriter Writer { get; } = writer;
}

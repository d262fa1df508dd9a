namespace AgentCoherence.Mcp;

/// <summary>What a refused caller should do next: the <c>next_action</c> of a refusal.</summary>
internal static class NextAction
{
    /// <summary>Re-read the file (the <c>reacquire</c> tool), re-derive the change from what it returns, then write again.</summary>
    public const string Reacquire = "reacquire";

    /// <summary>Re-read, merge the change into the current content, and retry with the current version.</summary>
    public const string Merge = "merge";

    /// <summary>Another agent is busy with the file: wait a moment and retry the same call.</summary>
    public const string Wait = "wait";

    /// <summary>The file was changed outside the volume: inspect it, then accept it with the <c>adopt</c> tool (or restore it by hand).</summary>
    public const string Adopt = "adopt";

    /// <summary>The file does not exist: create it (<c>write</c>, or <c>write_cas</c> with <c>expected_version</c> = <c>current_version</c>).</summary>
    public const string Create = "create";

    /// <summary>The call itself is wrong (a bad path, agent name or argument): fix it; retrying as is cannot succeed.</summary>
    public const string FixArguments = "fix_arguments";

    /// <summary>Something unexpected failed on the server: report it; the server logged the details on stderr.</summary>
    public const string Report = "report";
}

namespace AgentCoherence.Internal;

/// <summary>
/// The configuration sections the builder's <c>BindOptions</c> calls bound, kept in the service collection,
/// so the check of the <c>AgentCoherence</c> section accepts a store's or transport's subsection under it.
/// </summary>
internal sealed class ConfiguredSections
{
    /// <summary>Subsections of the <c>AgentCoherence</c> section that the library's packages read, whether or not this process uses them.</summary>
    public static readonly IReadOnlyList<string> Known = ["Transport", "Redis", "Sqlite", "Mcp"];

    private readonly HashSet<string> _paths = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _gate = new();

    public void Add(string path)
    {
        lock (_gate)
        {
            _paths.Add(path);
        }
    }

    /// <summary>True when <paramref name="key"/> under <paramref name="parent"/> is a known or bound subsection.</summary>
    public bool Claims(string parent, string key)
    {
        if (Known.Contains(key, StringComparer.OrdinalIgnoreCase))
        {
            return true;
        }

        lock (_gate)
        {
            return _paths.Contains(parent.Length == 0 ? key : parent + ":" + key);
        }
    }
}

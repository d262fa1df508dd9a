using System.Reflection;
using System.Text.RegularExpressions;

namespace AgentCoherence.Tests.Docs;

/// <summary>docs/configuration.md names every setting of every options class the packages ship.</summary>
public sealed partial class ConfigurationDocsTests
{
    // One type from each shipped library whose options the page documents (the MCP server is a tool, not a library;
    // its settings are checked by hand).
    private static readonly Type[] Libraries =
    [
        typeof(CoherenceOptions),
        typeof(AgentCoherence.Sqlite.SqliteStoreOptions),
        typeof(AgentCoherence.Redis.RedisStoreOptions),
        typeof(AgentCoherence.Nats.NatsBusOptions),
        typeof(AgentCoherence.Kafka.KafkaBusOptions),
        typeof(AgentCoherence.MassTransit.MassTransitBusOptions),
        typeof(AgentCoherence.Volume.VolumeOptions),
    ];

    public static TheoryData<string> Settings()
    {
        var settings = new TheoryData<string>();
        foreach (var type in Libraries.Select(t => t.Assembly).Distinct().SelectMany(a => a.GetExportedTypes()))
        {
            if (!type.Name.EndsWith("Options", StringComparison.Ordinal) || !type.IsClass)
            {
                continue;
            }

            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod?.IsPublic == true))
            {
                settings.Add($"{type.Name}.{property.Name}");
            }
        }

        return settings;
    }

    [Theory]
    [MemberData(nameof(Settings))]
    public void Every_setting_is_documented(string setting)
    {
        var name = setting[(setting.IndexOf('.', StringComparison.Ordinal) + 1)..];
        var page = File.ReadAllText(Path.Combine(DocsRepository.Root, "docs", "configuration.md"));

        var mentioned = CodeSpan().Matches(page).Any(m => Regex.IsMatch(m.Value, $@"(?<![A-Za-z]){Regex.Escape(name)}(?![A-Za-z])"));

        Assert.True(mentioned, $"docs/configuration.md does not name {setting} in a code span (`{name}`).");
    }

    [GeneratedRegex("`[^`\n]+`")]
    private static partial Regex CodeSpan();
}

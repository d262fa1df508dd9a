using System.Reflection;
using System.Text.RegularExpressions;

namespace AgentCoherence.Tests.Docs;

/// <summary>
/// docs/configuration.md names every setting of every options class the packages ship, and lists none that
/// does not exist.
/// </summary>
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

    [Fact]
    public void Every_setting_the_page_lists_exists()
    {
        // The page's sections that list one options class each, by a phrase of their heading.
        var sections = new (string Heading, Type Options)[]
        {
            ("Core: `AgentCoherence`", typeof(CoherenceOptions)),
            ("Per agent: `AgentOptions`", typeof(AgentOptions)),
            ("SQLite store", typeof(AgentCoherence.Sqlite.SqliteStoreOptions)),
            ("Redis store", typeof(AgentCoherence.Redis.RedisStoreOptions)),
            ("`Transport:Redis`", typeof(AgentCoherence.Redis.RedisBusOptions)),
            ("`Transport:Nats`", typeof(AgentCoherence.Nats.NatsBusOptions)),
            ("`Transport:Kafka`", typeof(AgentCoherence.Kafka.KafkaBusOptions)),
            ("`Transport:MassTransit`", typeof(AgentCoherence.MassTransit.MassTransitBusOptions)),
            ("CoherentVolume", typeof(AgentCoherence.Volume.VolumeOptions)),
        };
        var unknown = new List<string>();
        Type? options = null;
        foreach (var line in File.ReadAllLines(Path.Combine(DocsRepository.Root, "docs", "configuration.md")))
        {
            if (line.StartsWith('#'))
            {
                options = sections.FirstOrDefault(s => line.Contains(s.Heading, StringComparison.Ordinal)).Options;
                continue;
            }

            if (options is null || !line.StartsWith("| `", StringComparison.Ordinal))
            {
                continue;
            }

            var firstCell = line.Split('|')[1];
            foreach (Match span in CodeSpan().Matches(firstCell))
            {
                var path = span.Value.Trim('`');
                if (Resolve(options, path) is null)
                {
                    unknown.Add($"{options.Name}: {path}");
                }
            }
        }

        Assert.True(unknown.Count == 0, "docs/configuration.md lists settings that do not exist:\n" + string.Join('\n', unknown));
    }

    // A setting's key, 'Cache:Strategy', as a property path.
    private static PropertyInfo? Resolve(Type type, string path)
    {
        PropertyInfo? property = null;
        foreach (var part in path.Split(':'))
        {
            property = type.GetProperty(part, BindingFlags.Public | BindingFlags.Instance);
            if (property is null)
            {
                return null;
            }

            type = property.PropertyType;
        }

        return property;
    }

    [GeneratedRegex("`[^`\n]+`")]
    private static partial Regex CodeSpan();
}

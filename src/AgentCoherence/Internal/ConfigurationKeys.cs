using System.Collections;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace AgentCoherence.Internal;

/// <summary>
/// Compares a configuration section with the settings of the options type bound from it, so a misspelled
/// key (<c>ConnectonString</c>) is reported with the names that would have worked instead of being ignored
/// by the binder. Nested option classes are checked too; dictionaries and lists take any key.
/// </summary>
internal static class ConfigurationKeys
{
    /// <summary>One message per key under <paramref name="section"/> that names no setting of <paramref name="type"/>.</summary>
    /// <param name="section">The section bound to <paramref name="type"/>.</param>
    /// <param name="path">The section's path, for messages.</param>
    /// <param name="type">The options type.</param>
    /// <param name="alsoValid">Child keys that belong to someone else (another package's subsection).</param>
    public static IEnumerable<string> Unknown(IConfiguration section, string path, Type type, Func<string, bool>? alsoValid = null)
    {
        var settings = Settings(type);
        foreach (var child in section.GetChildren())
        {
            if (settings.TryGetValue(child.Key, out var property))
            {
                var target = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
                if (IsNested(target))
                {
                    foreach (var problem in Unknown(child, Join(path, child.Key), target))
                    {
                        yield return problem;
                    }
                }

                continue;
            }

            if (alsoValid?.Invoke(child.Key) == true)
            {
                continue;
            }

            var valid = settings.Values.Select(p => p.Name).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            yield return $"{Join(path, child.Key)} is not a setting of {type.Name}; the settings under {Describe(path)} are {string.Join(", ", valid)}.";
        }
    }

    /// <summary>One message per key of <paramref name="required"/> that <paramref name="section"/> does not set.</summary>
    public static IEnumerable<string> Missing(IConfiguration section, string path, IEnumerable<string> required)
    {
        var exists = section is not IConfigurationSection s || s.Exists();
        foreach (var key in required)
        {
            var child = section.GetSection(key);
            if (string.IsNullOrWhiteSpace(child.Value) && !child.GetChildren().Any())
            {
                yield return exists
                    ? $"{Join(path, key)} is not set; it has no default when the settings come from configuration."
                    : $"{Join(path, key)} is not set: there is no {Describe(path)} section in the configuration (is its name misspelled?).";
            }
        }
    }

    /// <summary>The configuration path of a section, or <paramref name="fallback"/> for a configuration root.</summary>
    public static string PathOf(IConfiguration section, string fallback) =>
        section is IConfigurationSection { Path.Length: > 0 } s ? s.Path : fallback;

    private static string Join(string path, string key) => path.Length == 0 ? key : path + ":" + key;

    private static string Describe(string path) => path.Length == 0 ? "the configuration root" : path;

    private static Dictionary<string, PropertyInfo> Settings(Type type)
    {
        var settings = new Dictionary<string, PropertyInfo>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var target = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            var bindable = property.GetIndexParameters().Length == 0
                && property.GetMethod is { IsPublic: true }
                && !typeof(Delegate).IsAssignableFrom(target)
                && (property.SetMethod is { IsPublic: true } || IsNested(target) || IsCollection(target));
            if (bindable)
            {
                settings.TryAdd(property.Name, property);
            }
        }

        return settings;
    }

    private static bool IsCollection(Type type) => type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type);

    private static bool IsNested(Type type) =>
        type.IsClass && type != typeof(string) && type != typeof(Uri) && type != typeof(Type)
        && !IsCollection(type) && !typeof(Delegate).IsAssignableFrom(type);
}

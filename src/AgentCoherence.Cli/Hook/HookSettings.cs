using System.Text.Json;
using Microsoft.Extensions.FileSystemGlobbing;

namespace AgentCoherence.Cli.Hook;

/// <summary>
/// The Claude Code hook's settings, read from <c>&lt;repo&gt;/.coherence/claude.json</c> (all keys optional):
/// <c>managed</c> (globs, default <c>CLAUDE.md</c> and <c>plans/**</c>), <c>deadlineMs</c> (how long one hook
/// invocation may work before it answers; default 5000, well below the hook timeout in hooks.json) and <c>mode</c>
/// (<c>"enforce"</c>, the default: stale edits are denied; <c>"observe"</c>: they are let through with a warning and
/// recorded, so a team sees what enforcement would deny before turning it on).
/// </summary>
internal sealed class HookSettings
{
    /// <summary>The settings file, relative to the repository root.</summary>
    public const string RelativePath = ".coherence/claude.json";

    public static readonly IReadOnlyList<string> DefaultManaged = ["CLAUDE.md", "plans/**"];

    public static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(5);

    private Matcher? _matcher;

    public IReadOnlyList<string> Managed { get; private init; } = DefaultManaged;

    public TimeSpan Deadline { get; private init; } = DefaultDeadline;

    public CoherenceMode Mode { get; private init; } = CoherenceMode.Enforce;

    /// <summary>The settings of the repository at <paramref name="root"/>; the defaults when it has no settings file.</summary>
    /// <exception cref="HookSettingsException">The file exists but is not valid.</exception>
    public static HookSettings Load(string root)
    {
        var path = Path.Combine(root, RelativePath);
        if (!File.Exists(path))
        {
            return new HookSettings();
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            var json = document.RootElement;
            if (json.ValueKind != JsonValueKind.Object)
            {
                throw new HookSettingsException(path, "the file must hold one JSON object");
            }

            var managed = DefaultManaged;
            if (json.TryGetProperty("managed", out var globs))
            {
                if (globs.ValueKind != JsonValueKind.Array || globs.EnumerateArray().Any(g => g.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(g.GetString())))
                {
                    throw new HookSettingsException(path, "\"managed\" must be an array of non-empty glob strings, such as [\"CLAUDE.md\", \"plans/**\"]");
                }

                managed = [.. globs.EnumerateArray().Select(g => g.GetString()!)];
            }

            var deadline = DefaultDeadline;
            if (json.TryGetProperty("deadlineMs", out var ms))
            {
                if (ms.ValueKind != JsonValueKind.Number || !ms.TryGetInt32(out var value) || value < 0 || value > 600_000)
                {
                    throw new HookSettingsException(path, "\"deadlineMs\" must be a whole number of milliseconds from 0 to 600000");
                }

                deadline = TimeSpan.FromMilliseconds(value);
            }

            var mode = CoherenceMode.Enforce;
            if (json.TryGetProperty("mode", out var text))
            {
                mode = text.ValueKind == JsonValueKind.String && text.GetString() is { } name
                    ? name.Equals("enforce", StringComparison.OrdinalIgnoreCase) ? CoherenceMode.Enforce
                    : name.Equals("observe", StringComparison.OrdinalIgnoreCase) ? CoherenceMode.Observe
                    : throw new HookSettingsException(path, "\"mode\" must be \"enforce\" or \"observe\"")
                    : throw new HookSettingsException(path, "\"mode\" must be \"enforce\" or \"observe\"");
            }

            return new HookSettings { Managed = managed, Deadline = deadline, Mode = mode };
        }
        catch (JsonException ex)
        {
            throw new HookSettingsException(path, "it is not valid JSON (" + ex.Message + ")");
        }
        catch (IOException ex)
        {
            throw new HookSettingsException(path, "it could not be read (" + ex.Message + ")");
        }
    }

    /// <summary>True when the repository-relative, <c>/</c>-separated path matches a managed glob.</summary>
    public bool IsManaged(string relativePath)
    {
        if (_matcher is null)
        {
            // The same matching as the volume: ordinal, the state directory left out.
            var matcher = new Matcher(StringComparison.Ordinal);
            foreach (var glob in Managed)
            {
                matcher.AddInclude(glob);
            }

            matcher.AddExclude(".coherence/**");
            _matcher = matcher;
        }

        return _matcher.Match(relativePath).HasMatches;
    }
}

/// <summary>The hook's settings file exists but is not valid.</summary>
internal sealed class HookSettingsException(string path, string problem)
    : Exception($"The coherence hook settings '{path}' are not valid: {problem}.");

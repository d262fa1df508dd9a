using AgentCoherence.AgentFramework.Internal;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Agents.AI;

namespace AgentCoherence.AgentFramework;

// The framework marks its file-store surface experimental (MAAI001); this type is a drop-in for it, so the
// suppression covers exactly the overrides of that surface.
#pragma warning disable MAAI001

/// <summary>
/// An <see cref="AgentFileStore"/> whose files are AgentCoherence artifacts: a drop-in for <c>InMemoryAgentFileStore</c>
/// or <c>FileSystemAgentFileStore</c> behind <c>FileAccessProvider</c> and <c>FileMemoryProvider</c>. A read registers the
/// reading agent's view; a write commits the next version and is refused with a <see cref="CoherenceException"/>
/// (<see cref="StaleViewException"/>, <see cref="HeldByOtherException"/>) when the agent's view is stale or missing, so one
/// agent never silently overwrites another's edit. Content lives in the client's store (in-memory, SQLite, Redis).
/// </summary>
/// <remarks>
/// Wrap the provider with <see cref="CoherenceToolExtensions.WithCoherence(AIContextProvider)"/> so a refusal reaches the
/// model as a structured tool result (reason, current version, next action) rather than a generic failure.
/// </remarks>
public sealed class CoherentAgentFileStore : AgentFileStore
{
    private readonly CoherenceClient _client;
    private readonly CoherentAgentFileStoreOptions _options;

    /// <summary>Creates a store over <paramref name="client"/>.</summary>
    /// <param name="client">The coherence client whose store holds the files.</param>
    /// <param name="options">Settings; defaults when <see langword="null"/>.</param>
    public CoherentAgentFileStore(CoherenceClient client, CoherentAgentFileStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _options = options ?? new CoherentAgentFileStoreOptions();
    }

    /// <inheritdoc />
    public override async Task WriteAsync(string path, string content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var file = NormalizeFile(path);
        var agent = CurrentAgent();
        var key = KeyOf(file);
        if (_options.IsDerivedFile(file))
        {
            await agent.UpdateAsync(key, _ => content, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await agent.WriteAsync(key, content, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public override async Task<string?> ReadAsync(string path, CancellationToken cancellationToken = default)
    {
        var view = await CurrentAgent().TryReadAsync(KeyOf(NormalizeFile(path)), cancellationToken).ConfigureAwait(false);
        return view?.Text;
    }

    /// <inheritdoc />
    public override async Task<bool> DeleteAsync(string path, CancellationToken cancellationToken = default)
    {
        var file = NormalizeFile(path);
        var key = KeyOf(file);
        var status = await _client.InspectAsync(key, cancellationToken).ConfigureAwait(false);
        if (!status.Exists || status.IsDeleted)
        {
            return false;
        }

        // A delete is a write: it needs the agent's current view, so it never removes an edit the agent has not seen.
        await CurrentAgent().DeleteAsync(key, cancellationToken: cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <inheritdoc />
    public override async Task<IReadOnlyList<FileStoreEntry>> ListChildrenAsync(string directory, CancellationToken cancellationToken = default)
    {
        var prefix = NormalizeDirectory(directory);
        var directories = new SortedSet<string>(StringComparer.Ordinal);
        var files = new SortedSet<string>(StringComparer.Ordinal);
        await foreach (var (file, _) in FilesAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!file.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            var rest = file[prefix.Length..];
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0)
            {
                files.Add(rest);
            }
            else if (slash > 0)
            {
                directories.Add(rest[..slash]);
            }
        }

        return [.. directories.Select(d => new FileStoreEntry(d, FileStoreEntry.Directory)), .. files.Select(f => new FileStoreEntry(f, FileStoreEntry.File))];
    }

    /// <inheritdoc />
    public override async Task<bool> FileExistsAsync(string path, CancellationToken cancellationToken = default)
    {
        var status = await _client.InspectAsync(KeyOf(NormalizeFile(path)), cancellationToken).ConfigureAwait(false);
        return status.Exists && !status.IsDeleted;
    }

    /// <inheritdoc />
    public override async Task<IReadOnlyList<FileSearchResult>> SearchAsync(string directory, string regexPattern, string? globPattern = null, bool recursive = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(regexPattern);
        var prefix = NormalizeDirectory(directory);
        Regex regex;
        try
        {
            regex = new Regex(regexPattern, RegexOptions.IgnoreCase, TimeSpan.FromSeconds(2));
        }
        catch (ArgumentException invalid)
        {
            throw new ArgumentException($"'{regexPattern}' is not a valid regular expression: {invalid.Message}", nameof(regexPattern), invalid);
        }

        var glob = globPattern is null ? null : GlobToRegex(globPattern);
        var results = new List<FileSearchResult>();
        await foreach (var (file, key) in FilesAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!file.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            var relative = file[prefix.Length..];
            if ((!recursive && relative.Contains('/', StringComparison.Ordinal)) || (glob is not null && !glob.IsMatch(relative[(relative.LastIndexOf('/') + 1)..])))
            {
                continue;
            }

            if (await ContentAsync(key, cancellationToken).ConfigureAwait(false) is not { } content)
            {
                continue;
            }

            var matches = new List<FileSearchMatch>();
            var lines = content.Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                if (regex.IsMatch(lines[i]))
                {
                    matches.Add(new FileSearchMatch { LineNumber = i + 1, Line = lines[i] });
                }
            }

            if (matches.Count > 0)
            {
                results.Add(new FileSearchResult { FileName = relative, Snippet = matches[0].Line.TrimEnd('\r'), MatchingLines = matches });
            }
        }

        return results;
    }

    /// <inheritdoc />
    public override Task CreateDirectoryAsync(string path, CancellationToken cancellationToken = default)
    {
        // Folders are implied by the artifact names, as in the framework's in-memory store.
        NormalizeDirectory(path);
        return Task.CompletedTask;
    }

    private CoherentAgent CurrentAgent() => AgentCache.Current(_client, _options.AgentId, nameof(CoherentAgentFileStoreOptions) + "." + nameof(CoherentAgentFileStoreOptions.AgentId));

    private ArtifactKey KeyOf(string file) => _client.Key(_options.KeyPrefix + file);

    /// <summary>The live files of this store (a listing carries no content).</summary>
    private async IAsyncEnumerable<(string File, ArtifactKey Key)> FilesAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var record in _client.Store.ListRecordsAsync(cancellationToken).ConfigureAwait(false))
        {
            var name = record.Key.Name;
            if (record.Key.Namespace != _client.Options.DefaultNamespace || !record.Exists || !name.StartsWith(_options.KeyPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            yield return (name[_options.KeyPrefix.Length..], record.Key);
        }
    }

    /// <summary>A file's current content for a search: read-only, it registers no view (a search is not a basis for a write).</summary>
    private async Task<string?> ContentAsync(ArtifactKey key, CancellationToken cancellationToken)
    {
        var record = await _client.Store.InspectAsync(key, cancellationToken).ConfigureAwait(false);
        return record is { Exists: true, Content: { } content } ? Encoding.UTF8.GetString(content) : null;
    }

    private static string NormalizeFile(string path)
    {
        var file = Normalize(path, nameof(path));
        if (file.Length == 0 || file.EndsWith('/'))
        {
            throw new ArgumentException($"'{path}' names no file.", nameof(path));
        }

        return file;
    }

    private static string NormalizeDirectory(string directory)
    {
        var folder = Normalize(directory ?? "", nameof(directory)).TrimEnd('/');
        return folder.Length == 0 ? "" : folder + "/";
    }

    private static string Normalize(string path, string parameter)
    {
        ArgumentNullException.ThrowIfNull(path, parameter);
        var text = path.Replace('\\', '/');
        while (text.StartsWith("./", StringComparison.Ordinal))
        {
            text = text[2..];
        }

        text = text.TrimStart('/');
        if (text == ".")
        {
            return "";
        }

        if (text.Split('/').Any(segment => segment == ".."))
        {
            throw new ArgumentException($"'{path}' leaves the store's root ('..' is not allowed).", parameter);
        }

        return text;
    }

    private static Regex GlobToRegex(string glob) =>
        new("^" + Regex.Escape(glob).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
}

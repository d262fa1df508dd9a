using System.Globalization;
using AgentCoherence.Protocol;

namespace AgentCoherence.Volume.Internal;

/// <summary>
/// A managed write about to rename a file inside the store's step, recorded before that step: the file, the
/// version (and hash) the store holds and the writer builds on, and the hash it is about to put on disk.
/// </summary>
/// <param name="Path">The managed file (normalized relative path).</param>
/// <param name="BaseVersion">The store's version when the write was staged (0 when none).</param>
/// <param name="BaseHash">That version's hash; null when it has no live content.</param>
/// <param name="NewHash">The hash the write puts on disk.</param>
/// <param name="File">Where the intent is recorded.</param>
internal sealed record WriteIntent(string Path, long BaseVersion, string? BaseHash, string NewHash, string File);

/// <summary>
/// The intents of writes in progress, one small file each under <c>.coherence/intents/</c>, flushed to disk
/// before the store step and removed once its outcome is known. A process that dies between renaming a file
/// into place and committing leaves its intent behind: a file whose hash differs from the record, equals a
/// pending intent's new hash, while the store still holds that intent's base version, is that leftover (and is
/// put back from the committed bytes); any other difference is a foreign edit.
/// </summary>
internal sealed class WriteIntents
{
    /// <summary>The directory's name under the state directory.</summary>
    public const string DirectoryName = "intents";

    private const string Format = "agentcoherence-write-intent/1";
    private const string Extension = ".intent";

    public WriteIntents(string stateDirectory)
    {
        Directory = System.IO.Path.Combine(stateDirectory, DirectoryName);
    }

    /// <summary>Where the intents live.</summary>
    public string Directory { get; }

    /// <summary>Records an intent, flushed to the device before this returns.</summary>
    public WriteIntent Record(string path, long baseVersion, string? baseHash, string newHash)
    {
        CreateDirectory();
        var file = System.IO.Path.Combine(Directory, $"{Prefix(path)}.{Guid.NewGuid():N}{Extension}");
        var text = string.Join('\n', Format, path, baseVersion.ToString(CultureInfo.InvariantCulture), baseHash ?? "-", newHash) + "\n";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(file, options))
        {
            stream.Write(AtomicFile.Utf8.GetBytes(text));
            stream.Flush(flushToDisk: true);
        }

        return new WriteIntent(path, baseVersion, baseHash, newHash, file);
    }

    /// <summary>True while the intent's file is there.</summary>
    public static bool Exists(WriteIntent intent) => File.Exists(intent.File);

    public static void Remove(WriteIntent intent) => AtomicFile.TryDelete(intent.File);

    /// <summary>The intents recorded for a file (unreadable or partly written ones are skipped).</summary>
    public IReadOnlyList<WriteIntent> Pending(string path)
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return [];
        }

        var found = new List<WriteIntent>();
        foreach (var file in System.IO.Directory.EnumerateFiles(Directory, Prefix(path) + ".*" + Extension))
        {
            if (TryLoad(file) is { } intent && intent.Path == path)
            {
                found.Add(intent);
            }
        }

        return found;
    }

    private static WriteIntent? TryLoad(string file)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllText(file, AtomicFile.Utf8).Split('\n');
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // A complete intent ends with a newline: five lines and an empty remainder.
        if (lines.Length != 6 || lines[0] != Format || lines[5].Length != 0
            || !long.TryParse(lines[2], NumberStyles.None, CultureInfo.InvariantCulture, out var baseVersion))
        {
            return null;
        }

        return new WriteIntent(lines[1], baseVersion, lines[3] == "-" ? null : lines[3], lines[4], file);
    }

    private void CreateDirectory()
    {
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(Directory);
        }
        else
        {
            System.IO.Directory.CreateDirectory(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    // Intents are found by a digest of the path (paths may hold characters a file name cannot).
    private static string Prefix(string path) => ContentPayload.HashHex(AtomicFile.Utf8.GetBytes(path))[..32];
}

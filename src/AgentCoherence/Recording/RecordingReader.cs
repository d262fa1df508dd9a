using System.Text;

namespace AgentCoherence.Recording;

/// <summary>Reads recording files, one or many (a process's rotated files, several processes' files), and merges them by time.</summary>
public static class RecordingReader
{
    /// <summary>Reads one file: its header and every line after it.</summary>
    /// <exception cref="RecordingFormatException">The file is missing, empty, not a recording, or has a truncated or garbage line (the message names the line).</exception>
    /// <exception cref="UnsupportedRecordingSchemaException">The file declares a newer schema version.</exception>
    public static async Task<RecordingFile> ReadFileAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!System.IO.File.Exists(path))
        {
            throw new RecordingFormatException(path, 0, "no such file.");
        }

        string text;
        try
        {
            text = await System.IO.File.ReadAllTextAsync(path, new UTF8Encoding(false, throwOnInvalidBytes: true), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or DecoderFallbackException)
        {
            throw new RecordingFormatException(path, 0, $"cannot be read ({ex.Message}).", ex);
        }

        return Parse(text, path);
    }

    /// <summary>Parses the text of one recording file.</summary>
    /// <exception cref="RecordingFormatException">Not a recording, or a truncated or garbage line.</exception>
    /// <exception cref="UnsupportedRecordingSchemaException">A newer schema version.</exception>
    public static RecordingFile Parse(string text, string path)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(path);
        var lines = text.Split('\n');
        if (lines.Length == 0 || lines[0].Trim().Length == 0)
        {
            throw new RecordingFormatException(path, 0, "empty: a recording starts with a header line.");
        }

        var header = RecordingFormat.ParseHeader(lines[0], path);
        var entries = new List<RecordingEntry>(lines.Length);
        for (var i = 1; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Length == 0)
            {
                if (i == lines.Length - 1)
                {
                    break; // the newline that ends the last line
                }

                throw new RecordingFormatException(path, i + 1, "empty line.");
            }

            if (i == lines.Length - 1)
            {
                // Every complete line ends with a newline: a last line without one was cut off mid-write.
                try
                {
                    RecordingFormat.ParseEntry(line, path, i + 1);
                }
                catch (RecordingFormatException ex)
                {
                    throw new RecordingFormatException(path, i + 1, "truncated: the last line is incomplete (the writer stopped mid-line).", ex);
                }
            }

            entries.Add(RecordingFormat.ParseEntry(line, path, i + 1) with { Process = header.Process });
        }

        return new RecordingFile(path, header, entries);
    }

    /// <summary>
    /// Reads every file and merges their lines: by <see cref="RecordingEntry.Started"/>, then
    /// <see cref="RecordingEntry.Completed"/>, then process, then <see cref="RecordingEntry.Seq"/>. A directory
    /// stands for every <c>*.jsonl</c> file in it.
    /// </summary>
    public static async Task<IReadOnlyList<RecordingEntry>> ReadMergedAsync(IEnumerable<string> paths, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var all = new List<RecordingEntry>();
        foreach (var path in Expand(paths))
        {
            var file = await ReadFileAsync(path, cancellationToken).ConfigureAwait(false);
            all.AddRange(file.Entries);
        }

        all.Sort(static (a, b) =>
        {
            var c = a.Started.CompareTo(b.Started);
            if (c == 0) c = a.Completed.CompareTo(b.Completed);
            if (c == 0) c = string.CompareOrdinal(a.Process, b.Process);
            if (c == 0) c = a.Seq.CompareTo(b.Seq);
            return c;
        });
        return all;
    }

    /// <summary>The files a list of paths names: files as given, directories as their <c>*.jsonl</c> files in name order.</summary>
    public static IReadOnlyList<string> Expand(IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var files = new List<string>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                files.AddRange(Directory.GetFiles(path, "*.jsonl").Order(StringComparer.Ordinal));
            }
            else
            {
                files.Add(path);
            }
        }

        return files;
    }
}

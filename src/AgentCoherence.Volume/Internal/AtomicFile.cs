using System.Text;
using AgentCoherence.Protocol;

namespace AgentCoherence.Volume.Internal;

/// <summary>Whole-file reads and atomic replacement: readers see the old file or the new one, never a mix.</summary>
internal static class AtomicFile
{
    /// <summary>Suffix of the temporary files a write creates next to its target (a killed writer may leave one behind).</summary>
    public const string TempSuffix = ".coherence-tmp";

    public static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>The file's bytes, or null when it does not exist.</summary>
    public static byte[]? TryRead(string fullPath)
    {
        try
        {
            return File.ReadAllBytes(fullPath);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>SHA-256 hex of the bytes, as the store records it; null for a missing file.</summary>
    public static string? Hash(byte[]? bytes) => bytes is null ? null : ContentPayload.HashHex(bytes);

    /// <summary>
    /// Writes a temporary file in the target's directory, flushes it to the device, then renames it over
    /// the target. A rename within one directory is atomic, so a crash at any point leaves the old file
    /// or the new one, whole (plus, at worst, a stray temporary file).
    /// </summary>
    public static void Replace(string fullPath, byte[] content)
    {
        var temp = WriteTemp(fullPath, content);
        try
        {
            File.Move(temp, fullPath, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>
    /// The first half of <see cref="Replace"/>: writes <paramref name="content"/> to a new temporary file in the
    /// target's directory (with the target's permissions) and flushes it to the device; returns its path. Renaming
    /// it over the target is then a single atomic step.
    /// </summary>
    public static string WriteTemp(string fullPath, byte[] content)
    {
        var directory = Path.GetDirectoryName(fullPath)!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}{TempSuffix}");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows() && File.Exists(fullPath))
        {
            options.UnixCreateMode = File.GetUnixFileMode(fullPath);
        }

        try
        {
            using var stream = new FileStream(temp, options);
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }

        return temp;
    }

    /// <summary>Deletes a file if it is there; a file that cannot be deleted is left for the next cleanup.</summary>
    public static void TryDelete(string fullPath)
    {
        try
        {
            File.Delete(fullPath);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

using System.Buffers;
using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using AgentCoherence.Recording;

namespace AgentCoherence.Internal;

/// <summary>
/// Writes one client's recording: files <c>recording-&lt;host&gt;-&lt;pid&gt;-&lt;random&gt;-&lt;part&gt;.jsonl</c> in
/// one directory, each starting with a header, created 0600 on Unix, rotated by size. Callers hand finished
/// entries to <see cref="Write"/>, which only queues them; one writer task drains the queue, numbers the lines
/// (so <see cref="RecordingEntry.Seq"/> follows file order and continues across parts), writes each line whole
/// with its newline, and flushes whenever the queue runs empty and on <see cref="DisposeAsync"/>.
/// </summary>
internal sealed class Recorder : IAsyncDisposable
{
    private static readonly string? LibraryVersion =
        typeof(Recorder).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;

    private readonly Channel<RecordingEntry> _queue = Channel.CreateUnbounded<RecordingEntry>(new UnboundedChannelOptions { SingleReader = true });
    private readonly string _directory;
    private readonly string _process;
    private readonly long _maxFileBytes;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RecordingHeader _header;
    private readonly Task _writer;
    private readonly ArrayBufferWriter<byte> _line = new(1024);
    private readonly Utf8JsonWriter _json;
    private FileStream _file;
    private long _fileBytes;
    private int _fileEntries;
    private int _part = 1;
    private long _seq;

    private Recorder(string directory, bool includeContent, long maxFileBytes, TimeProvider time, ILogger logger, string store, string mode)
    {
        _directory = directory;
        _maxFileBytes = maxFileBytes;
        _time = time;
        _logger = logger;
        IncludeContent = includeContent;
        _process = $"{HostPart()}-{Environment.ProcessId}-{Convert.ToHexStringLower(Guid.NewGuid().ToByteArray(), 0, 4)}";
        _json = new Utf8JsonWriter(_line, new JsonWriterOptions { SkipValidation = true });
        _header = new RecordingHeader { Process = _process, IncludeContent = includeContent, Mode = mode, Store = store, Library = LibraryVersion };
        _file = OpenPart();
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>Whether lines carry content.</summary>
    public bool IncludeContent { get; }

    /// <summary>The file being written now.</summary>
    public string CurrentFile => _file.Name;

    /// <summary>Creates the directory (when missing) and the first file with its header.</summary>
    /// <param name="directory">The directory.</param>
    /// <param name="includeContent">Whether lines carry content.</param>
    /// <param name="maxFileBytes">The rotation size.</param>
    /// <param name="setting">What asked for the recording, for the error.</param>
    /// <param name="time">The client's clock.</param>
    /// <param name="logger">Where a failure while writing goes.</param>
    /// <param name="store">The store's type name, for the header.</param>
    /// <param name="mode">The client's mode, for the header.</param>
    /// <exception cref="RecordingUnavailableException">The directory or the file cannot be created or written.</exception>
    public static Recorder Open(string directory, bool includeContent, long maxFileBytes, string setting, TimeProvider time, ILogger logger, string store, string mode)
    {
        if (string.IsNullOrWhiteSpace(directory))
        {
            throw new RecordingUnavailableException(setting, directory ?? string.Empty, $"{setting} is empty; give the directory to record into.");
        }

        if (maxFileBytes <= 0)
        {
            throw new CoherenceArgumentException(nameof(maxFileBytes), $"{CoherenceOptions.SectionName}:Recording:MaxFileBytes must be positive (got {maxFileBytes}).");
        }

        string full;
        try
        {
            full = System.IO.Path.GetFullPath(directory);
            if (File.Exists(full))
            {
                throw new IOException("it is a file, not a directory");
            }

            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(full);
            }
            else
            {
                Directory.CreateDirectory(full, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            return new Recorder(full, includeContent, maxFileBytes, time, logger, store, mode);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException or System.Security.SecurityException)
        {
            throw new RecordingUnavailableException(setting, directory, $"Cannot record to '{directory}' ({setting}): {ex.Message}", ex);
        }
    }

    /// <summary>Queues a finished entry (its <see cref="RecordingEntry.Seq"/> is set by the writer); dropped once the recording stopped.</summary>
    public void Write(RecordingEntry entry)
    {
        if (!IncludeContent && (entry.Content is not null || entry.Members is { Count: > 0 }))
        {
            entry = WithoutContent(entry);
        }

        _queue.Writer.TryWrite(entry);
    }

    /// <summary>Stops taking entries, writes every queued one and closes the file.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    private static RecordingEntry WithoutContent(RecordingEntry entry) => entry with
    {
        Content = null,
        Members = entry.Members?.Select(m => m.Content is null ? m : m with { Content = null }).ToList(),
    };

    // Host names are safe in file names only after trimming to letters, digits, dot and dash.
    private static string HostPart()
    {
        string host;
        try
        {
            host = Dns.GetHostName();
        }
        catch (System.Net.Sockets.SocketException)
        {
            host = Environment.MachineName;
        }

        var safe = new StringBuilder(host.Length);
        foreach (var c in host)
        {
            safe.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' ? c : '_');
        }

        return safe.Length == 0 ? "host" : safe.ToString(0, Math.Min(safe.Length, 64));
    }

    private FileStream OpenPart()
    {
        var path = System.IO.Path.Combine(_directory, $"recording-{_process}-{_part:D4}.jsonl");
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.Read,
            BufferSize = 64 * 1024,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var file = new FileStream(path, options);
        try
        {
            var header = Encoding.UTF8.GetBytes(RecordingFormat.Serialize(_header with { Part = _part, Started = _time.GetUtcNow() }) + "\n");
            file.Write(header);
            file.Flush();
            _fileBytes = header.Length;
            _fileEntries = 0;
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private async Task WriteLoopAsync()
    {
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (reader.TryRead(out var entry))
                {
                    WriteLine(entry with { Seq = ++_seq });
                }

                // The queue ran empty: hand what was written to the OS, so a reader (or a crash) sees whole lines.
                _file.Flush();
            }
        }
        catch (Exception ex)
        {
            Log.RecordingFailed(_logger, ex, _file.Name);
            _queue.Writer.TryComplete();
            while (reader.TryRead(out _))
            {
            }
        }
        finally
        {
            try
            {
                _file.Dispose();
            }
            catch (IOException ex)
            {
                Log.RecordingFailed(_logger, ex, _file.Name);
            }
        }
    }

    private void WriteLine(RecordingEntry entry)
    {
        _line.ResetWrittenCount();
        _json.Reset(_line);
        RecordingFormat.Write(_json, entry);
        _json.Flush();
        _line.Write("\n"u8);
        var line = _line.WrittenSpan;
        if (_fileEntries > 0 && _fileBytes + line.Length > _maxFileBytes)
        {
            _file.Dispose();
            _part++;
            _file = OpenPart();
        }

        _file.Write(line);
        _fileBytes += line.Length;
        _fileEntries++;
    }
}

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
/// The queue holds at most <see cref="RecordingOptions.MaxQueuedLines"/> lines: past that, <see cref="RecordingOverflow.Drop"/>
/// drops the line, counts it, logs once per overflow episode and queues a <see cref="RecordingOperation.Gap"/> line ahead of
/// the next line that fits (or at the end); <see cref="RecordingOverflow.Wait"/> lets callers wait for room
/// (<see cref="WaitForRoomAsync"/>) before the operation they will record, and admits what they then write.
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
    private readonly CoherenceDiagnostics _diagnostics;
    private readonly int _maxQueued;
    private readonly bool _wait;
    private readonly Lock _gapGate = new();
    private volatile GapState? _gap;
    private volatile bool _stopped;
    private TaskCompletionSource _room = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _queued;
    private readonly RecordingHeader _header;
    private readonly Task _writer;
    private readonly ArrayBufferWriter<byte> _line = new(1024);
    private readonly Utf8JsonWriter _json;
    private FileStream _file;
    private long _fileBytes;
    private int _fileEntries;
    private int _part = 1;
    private long _seq;

    private Recorder(string directory, RecordingOptions options, TimeProvider time, ILogger logger, CoherenceDiagnostics diagnostics, string store, string mode)
    {
        var includeContent = options.IncludeContent;
        _directory = directory;
        _maxFileBytes = options.MaxFileBytes;
        _maxQueued = options.MaxQueuedLines;
        _wait = options.WhenFull == RecordingOverflow.Wait;
        _time = time;
        _logger = logger;
        _diagnostics = diagnostics;
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

    /// <summary>True when callers must wait for room before an operation (<see cref="RecordingOverflow.Wait"/> and the queue is full).</summary>
    public bool Full => _wait && Volatile.Read(ref _queued) >= _maxQueued && !_stopped;

    /// <summary>Lines waiting for the writer now.</summary>
    internal int Queued => Volatile.Read(ref _queued);

    /// <summary>Test seam: while set and not completed, the writer takes nothing from the queue (a disk that is slower than the agents).</summary>
    internal Task? HoldWriter { get; set; }

    /// <summary>Creates the directory (when missing) and the first file with its header.</summary>
    /// <param name="options">Path, content, rotation size and queue settings.</param>
    /// <param name="setting">What asked for the recording, for the error.</param>
    /// <param name="time">The client's clock.</param>
    /// <param name="logger">Where a failure while writing or a full queue goes.</param>
    /// <param name="diagnostics">Where dropped lines are counted.</param>
    /// <param name="store">The store's type name, for the header.</param>
    /// <param name="mode">The client's mode, for the header.</param>
    /// <exception cref="RecordingUnavailableException">The directory or the file cannot be created or written.</exception>
    /// <exception cref="CoherenceArgumentException">A size or queue limit is not positive, or <see cref="RecordingOptions.WhenFull"/> is not a known value.</exception>
    public static Recorder Open(RecordingOptions options, string setting, TimeProvider time, ILogger logger, CoherenceDiagnostics diagnostics, string store, string mode)
    {
        var directory = options.Path ?? string.Empty;
        var maxFileBytes = options.MaxFileBytes;
        if (options.MaxQueuedLines <= 0)
        {
            throw new CoherenceArgumentException(nameof(options.MaxQueuedLines), $"{CoherenceOptions.SectionName}:Recording:MaxQueuedLines must be positive (got {options.MaxQueuedLines}).");
        }

        if (!Enum.IsDefined(options.WhenFull))
        {
            throw new CoherenceArgumentException(nameof(options.WhenFull), $"{CoherenceOptions.SectionName}:Recording:WhenFull must be Drop or Wait (got {options.WhenFull}).");
        }

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

            return new Recorder(full, options, time, logger, diagnostics, store, mode);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException or System.Security.SecurityException)
        {
            throw new RecordingUnavailableException(setting, directory, $"Cannot record to '{directory}' ({setting}): {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Queues a finished entry (its <see cref="RecordingEntry.Seq"/> is set by the writer); ignored once the recording
    /// stopped. When the queue is full: dropped and counted under <see cref="RecordingOverflow.Drop"/>, admitted under
    /// <see cref="RecordingOverflow.Wait"/> (its caller waited for room before the operation).
    /// </summary>
    public void Write(RecordingEntry entry)
    {
        if (!IncludeContent && (entry.Content is not null || entry.Members is { Count: > 0 }))
        {
            entry = WithoutContent(entry);
        }

        if (_stopped)
        {
            return;
        }

        if (Interlocked.Increment(ref _queued) > _maxQueued && !_wait)
        {
            Interlocked.Decrement(ref _queued);
            Drop(entry);
            return;
        }

        if (_gap is not null)
        {
            QueueGap();
        }

        if (!_queue.Writer.TryWrite(entry))
        {
            Interlocked.Decrement(ref _queued);
        }
    }

    /// <summary>Completes when the queue has room again (at once unless <see cref="Full"/>), or when the recording stops.</summary>
    /// <exception cref="OperationCanceledException">The caller's token was cancelled while it waited.</exception>
    public async ValueTask WaitForRoomAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            // Read the signal before the count: a writer that makes room after this read completes this very signal.
            var room = Volatile.Read(ref _room);
            if (!Full)
            {
                return;
            }

            await room.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops taking entries, writes every queued one (and a pending gap line) and closes the file.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_gapGate)
        {
            _stopped = true;
            QueueGap();
        }

        _queue.Writer.TryComplete();
        SignalRoom();
        await _writer.ConfigureAwait(false);
    }

    private void Drop(RecordingEntry entry)
    {
        bool episode;
        lock (_gapGate)
        {
            if (_stopped)
            {
                return;
            }

            episode = _gap is null;
            if (_gap is { } gap)
            {
                gap.Add(entry);
            }
            else
            {
                _gap = new GapState(entry);
            }
        }

        _diagnostics.RecordingDropped.Add(1);
        if (episode)
        {
            Log.RecordingQueueFull(_logger, _directory, _maxQueued);
        }
    }

    // Queues the pending gap line ahead of whatever comes next; it takes a place in the queue even when full (one line).
    private void QueueGap()
    {
        lock (_gapGate)
        {
            if (_gap is not { } gap)
            {
                return;
            }

            Interlocked.Increment(ref _queued);
            if (!_queue.Writer.TryWrite(new RecordingEntry { Op = RecordingOperation.Gap, Started = gap.First, Completed = gap.Last, Dropped = gap.Count }))
            {
                Interlocked.Decrement(ref _queued);
            }

            // Cleared only once queued, so a line that sees no gap pending is queued after it.
            _gap = null;
        }
    }

    private void SignalRoom() => Interlocked.Exchange(ref _room, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private void Dequeued()
    {
        if (Interlocked.Decrement(ref _queued) == _maxQueued - 1 && _wait)
        {
            SignalRoom();
        }
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
                if (HoldWriter is { } hold)
                {
                    await hold.ConfigureAwait(false);
                }

                while (reader.TryRead(out var entry))
                {
                    Dequeued();
                    WriteLine(entry with { Seq = ++_seq });
                }

                // The queue ran empty: hand what was written to the OS, so a reader (or a crash) sees whole lines.
                _file.Flush();
            }
        }
        catch (Exception ex)
        {
            Log.RecordingFailed(_logger, ex, _file.Name);
            _stopped = true;
            _queue.Writer.TryComplete();
            while (reader.TryRead(out _))
            {
            }

            SignalRoom();
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

    /// <summary>The dropped lines of one overflow episode, until its gap line is queued.</summary>
    private sealed class GapState(RecordingEntry first)
    {
        public long Count { get; private set; } = 1;

        public DateTimeOffset First { get; private set; } = first.Started;

        public DateTimeOffset Last { get; private set; } = first.Completed;

        public void Add(RecordingEntry entry)
        {
            Count++;
            First = entry.Started < First ? entry.Started : First;
            Last = entry.Completed > Last ? entry.Completed : Last;
        }
    }
}

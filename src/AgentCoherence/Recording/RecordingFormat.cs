using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentCoherence.Recording;

/// <summary>
/// The recording's line format: JSON Lines, a <see cref="RecordingHeader"/> first, then one
/// <see cref="RecordingEntry"/> per line, camelCase names, enums as camelCase strings, null properties left
/// out, timestamps in ISO 8601 with offset. Writers and readers both go through here.
/// </summary>
public static class RecordingFormat
{
    /// <summary>The header's <see cref="RecordingHeader.Schema"/>.</summary>
    public const string SchemaName = "agentcoherence.recording";

    /// <summary>The schema version this library writes and the newest it reads.</summary>
    public const int SchemaVersion = 1;

    private static readonly JsonSerializerOptions Options = CreateOptions();

    /// <summary>One line (no newline) for an entry.</summary>
    public static string Serialize(RecordingEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return JsonSerializer.Serialize(entry, Options);
    }

    /// <summary>Writes an entry's line (no newline) to <paramref name="writer"/>: the recorder's path, with no string in between.</summary>
    internal static void Write(Utf8JsonWriter writer, RecordingEntry entry) => JsonSerializer.Serialize(writer, entry, Options);

    /// <summary>The header line (no newline).</summary>
    public static string Serialize(RecordingHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        return JsonSerializer.Serialize(header, Options);
    }

    /// <summary>The signal as a recording records it.</summary>
    public static RecordingSignal ToRecording(InvalidationSignal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        return new RecordingSignal(signal.Key.StoreKey, signal.NewVersion, signal.Issuer.Value, signal.Kind, signal.Recipient.Value, signal.OwnerEpoch);
    }

    /// <summary>Parses an entry line.</summary>
    /// <exception cref="RecordingFormatException">The line is not a valid entry.</exception>
    public static RecordingEntry ParseEntry(string line, string path, int lineNumber)
    {
        ArgumentNullException.ThrowIfNull(line);
        RecordingEntry? entry;
        try
        {
            entry = JsonSerializer.Deserialize<RecordingEntry>(line, Options);
        }
        catch (JsonException ex)
        {
            throw new RecordingFormatException(path, lineNumber, $"not a recording line ({Describe(ex)}).", ex);
        }

        if (entry is null)
        {
            throw new RecordingFormatException(path, lineNumber, "not a recording line (null).");
        }

        return entry with { File = path, Line = lineNumber };
    }

    /// <summary>Parses a header line.</summary>
    /// <exception cref="RecordingFormatException">The line is not a recording header.</exception>
    /// <exception cref="UnsupportedRecordingSchemaException">The header declares a newer schema version.</exception>
    public static RecordingHeader ParseHeader(string line, string path)
    {
        ArgumentNullException.ThrowIfNull(line);
        RecordingHeader? header;
        try
        {
            header = JsonSerializer.Deserialize<RecordingHeader>(line, Options);
        }
        catch (JsonException ex)
        {
            throw new RecordingFormatException(path, 1, $"the first line is not a recording header ({Describe(ex)}).", ex);
        }

        if (header is null || header.Schema != SchemaName)
        {
            throw new RecordingFormatException(path, 1, $"the first line is not a recording header (expected \"schema\": \"{SchemaName}\").");
        }

        if (header.Version > SchemaVersion || header.Version < 1)
        {
            throw new UnsupportedRecordingSchemaException(path, header.Version);
        }

        return header;
    }

    private static string Describe(JsonException ex) =>
        ex.InnerException is { } inner ? $"{ex.Message.Split(" Path:")[0]} {inner.Message}" : ex.Message.Split(" Path:")[0].TrimEnd('.');

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            WriteIndented = false,
            RespectRequiredConstructorParameters = true,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}

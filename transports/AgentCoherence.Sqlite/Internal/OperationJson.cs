using System.Buffers;
using System.Text;
using System.Text.Json;
using AgentCoherence.Protocol;

namespace AgentCoherence.Sqlite.Internal;

/// <summary>
/// The recorded result of an operation in the <c>operations</c> table (see <see cref="SqliteSchema"/>):
/// its versions and signals as JSON text, readable with SQLite's JSON functions. One instance per
/// connection; not thread-safe (the store serializes its callers).
/// </summary>
internal sealed class OperationJson : IDisposable
{
    private const string None = "[]";
    private readonly ArrayBufferWriter<byte> _buffer = new(256);
    private readonly Utf8JsonWriter _writer;

    public OperationJson()
    {
        _writer = new Utf8JsonWriter(_buffer);
    }

    /// <summary>The versions as a JSON array of integers.</summary>
    public string Versions(IReadOnlyList<long> versions)
    {
        if (versions.Count == 0)
        {
            return None;
        }

        Begin();
        _writer.WriteStartArray();
        foreach (var version in versions)
        {
            _writer.WriteNumberValue(version);
        }

        _writer.WriteEndArray();
        return End();
    }

    /// <summary>The signals as a JSON array of objects.</summary>
    public string Signals(IReadOnlyList<InvalidationSignal> signals)
    {
        if (signals.Count == 0)
        {
            return None;
        }

        Begin();
        _writer.WriteStartArray();
        foreach (var signal in signals)
        {
            _writer.WriteStartObject();
            _writer.WriteString("recipient", signal.Recipient.Value);
            _writer.WriteNumber("kind", (int)signal.Kind);
            _writer.WriteNumber("version", signal.NewVersion);
            _writer.WriteNumber("epoch", signal.OwnerEpoch);
            _writer.WriteString("issuer", signal.Issuer.Value);
            _writer.WriteString("key", signal.Key.StoreKey);
            _writer.WriteEndObject();
        }

        _writer.WriteEndArray();
        return End();
    }

    public void Dispose() => _writer.Dispose();

    /// <summary>Reads a row's result back.</summary>
    /// <exception cref="InvalidOperationException">The row is not what this release writes.</exception>
    public static RecordedOperation Parse(OperationId id, string versions, string signals)
    {
        try
        {
            var parsedVersions = new List<long>();
            using (var document = JsonDocument.Parse(versions))
            {
                foreach (var element in document.RootElement.EnumerateArray())
                {
                    parsedVersions.Add(element.GetInt64());
                }
            }

            var parsedSignals = new List<InvalidationSignal>();
            using (var document = JsonDocument.Parse(signals))
            {
                foreach (var element in document.RootElement.EnumerateArray())
                {
                    parsedSignals.Add(new InvalidationSignal(
                        ArtifactKey.FromStoreKey(element.GetProperty("key").GetString()!),
                        element.GetProperty("version").GetInt64(),
                        Agent(element.GetProperty("issuer").GetString()!),
                        (SignalKind)element.GetProperty("kind").GetInt32(),
                        Agent(element.GetProperty("recipient").GetString()!),
                        element.GetProperty("epoch").GetInt64()));
                }
            }

            return new RecordedOperation(id, parsedVersions, parsedSignals);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException or FormatException or CoherenceArgumentException)
        {
            throw new InvalidOperationException($"The recorded result of operation '{id}' in the operations table is malformed: {ex.Message}", ex);
        }
    }

    // The sweeper is the one reserved id a signal can name (write operations never record it, but the format allows it).
    private static AgentId Agent(string value) => value == AgentId.Sweeper.Value ? AgentId.Sweeper : new AgentId(value);

    private void Begin()
    {
        _buffer.ResetWrittenCount();
        _writer.Reset();
    }

    private string End()
    {
        _writer.Flush();
        return Encoding.UTF8.GetString(_buffer.WrittenSpan);
    }
}

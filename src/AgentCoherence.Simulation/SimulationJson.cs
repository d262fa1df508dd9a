using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentCoherence.Simulation;

/// <summary>
/// The simulation's results as JSON for machines (and for the plots): camelCase names, indented, enums as names,
/// dictionaries in key order. The same result always serializes to the same bytes.
/// </summary>
public static class SimulationJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>Serializes a result, summary, comparison, sweep or fuzz report.</summary>
    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>Reads back what <see cref="Serialize{T}"/> wrote.</summary>
    public static T? Deserialize<T>(string json) => JsonSerializer.Deserialize<T>(json, Options);
}

namespace AgentCoherence.Kafka.Internal;

/// <summary>
/// Lets through the first line of a kind and then at most one per window, counting the ones held back in
/// between. librdkafka repeats a failing connect's line many times a second while a broker is unreachable
/// (about 1,170 lines in 30 s with no broker); one line per window says the same.
/// </summary>
internal sealed class LogThrottle(TimeProvider time, TimeSpan window)
{
    private readonly Dictionary<string, (long Until, int Held)> _kinds = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>The window used by the bus.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromSeconds(10);

    /// <summary>True when a line of <paramref name="kind"/> may be written now; <paramref name="held"/> is how many were held back since the last one.</summary>
    public bool Admit(string kind, out int held)
    {
        var now = time.GetTimestamp();
        lock (_gate)
        {
            if (_kinds.TryGetValue(kind, out var last) && now < last.Until)
            {
                _kinds[kind] = (last.Until, last.Held + 1);
                held = 0;
                return false;
            }

            held = last.Held;
            _kinds[kind] = (now + (long)(window.TotalSeconds * time.TimestampFrequency), 0);
            return true;
        }
    }
}

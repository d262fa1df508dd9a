using System.Globalization;
using System.Numerics;
using System.Text;

namespace AgentCoherence.ModelChecking.ClientModel;

/// <summary>
/// Writes a state either as text (for counterexamples) or into a 128-bit hash (for deduplication), from
/// one description, so the two never disagree about what the state holds.
/// </summary>
internal sealed class StateWriter
{
    private const ulong Prime1 = 0x9E3779B185EBCA87UL;
    private const ulong Prime2 = 0xC2B2AE3D27D4EB4FUL;
    private const ulong Prime3 = 0x165667B19E3779F9UL;

    private readonly StringBuilder? _text;
    private ulong _h1 = 0xCBF29CE484222325UL;
    private ulong _h2 = 0x27D4EB2F165667C5UL;

    private StateWriter(StringBuilder? text) => _text = text;

    public static StateWriter ForText() => new(new StringBuilder(512));

    public static StateWriter ForHash() => new(null);

    public StateWriter Add(string value)
    {
        if (_text is not null)
        {
            _text.Append(value);
            return this;
        }

        foreach (var c in value)
        {
            Mix(c);
        }

        Mix(0xFFFF_FFFFUL);
        return this;
    }

    public StateWriter Add(long value)
    {
        if (_text is not null)
        {
            _text.Append(value.ToString(CultureInfo.InvariantCulture));
            return this;
        }

        Mix(unchecked((ulong)value));
        Mix(0xFFFF_FFFEUL);
        return this;
    }

    public StateWriter Add(string label, long value) => Add(label).Add(value);

    public StateWriter Add(bool value) => Add(value ? "+" : "-");

    public override string ToString() => _text?.ToString() ?? throw new InvalidOperationException("A hash writer has no text.");

    public UInt128 Hash()
    {
        static ulong Avalanche(ulong h)
        {
            h ^= h >> 33;
            h *= Prime2;
            h ^= h >> 29;
            h *= Prime3;
            h ^= h >> 32;
            return h;
        }

        return new UInt128(Avalanche(_h1), Avalanche(_h2 ^ _h1));
    }

    private void Mix(ulong value)
    {
        _h1 = (_h1 ^ value) * 0x100000001B3UL;
        _h2 = BitOperations.RotateLeft(_h2 + (value * Prime2), 31) * Prime1;
    }
}

using System.Text;
using AgentCoherence.Protocol;

namespace AgentCoherence.Testing;

/// <summary>Shorthands for store-level tests.</summary>
public static class StoreTestExtensions
{
    /// <summary>A payload of UTF-8 text, one token per character (tests do not need real token counts).</summary>
    public static ContentPayload Text(string text) => ContentPayload.Create(Encoding.UTF8.GetBytes(text), text.Length);

    /// <summary>The content of a read as text.</summary>
    public static string? TextOf(this ReadResult result) => result.Content is null ? null : Encoding.UTF8.GetString(result.Content);

    /// <summary>Throws unless the write succeeded; returns the new version.</summary>
    public static long Ok(this WriteResult result) =>
        result.Refusal is null ? result.Version : throw new Xunit.Sdk.XunitException($"Expected success, got {result.Refusal.Reason}: {result.Refusal}");

    /// <summary>Asserts the write was refused with <paramref name="reason"/>; returns the refusal.</summary>
    public static Refusal Refused(this WriteResult result, RefusalReason reason)
    {
        Xunit.Assert.NotNull(result.Refusal);
        Xunit.Assert.Equal(reason, result.Refusal!.Reason);
        return result.Refusal;
    }
}

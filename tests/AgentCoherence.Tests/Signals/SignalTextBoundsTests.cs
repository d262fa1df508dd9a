using System.Globalization;
using System.Text;

namespace AgentCoherence.Tests.Signals;

/// <summary>
/// The compact text of any valid signal is well-formed UTF-16: a shortened key or issuer is cut only
/// between whole text elements.
/// </summary>
public sealed class SignalTextBoundsTests
{
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    [Theory]
    [InlineData(SignalKind.Commit, "plans/data/raw/🚀launch.json")]
    [InlineData(SignalKind.Commit, "docs/architecture/decisions/0042-use-coherence-for-shared-plans.md")]
    [InlineData(SignalKind.Delete, "docs/architecture/decisions/0042-use-coherence-for-shared-plans.md")]
    [InlineData(SignalKind.Commit, "plans/🇩🇪🇩🇪🇩🇪🇩🇪🇩🇪🇩🇪🇩🇪🇩🇪🇩🇪🇩🇪/é́é́é́é́é́é́é́é́é́é́/👨‍👩‍👧‍👦👨‍👩‍👧‍👦👨‍👩‍👧‍👦👨‍👩‍👧‍👦.json")]
    public void A_shortened_key_keeps_whole_text_elements_of_its_tail(SignalKind kind, string name)
    {
        for (var padding = 0; padding < 12; padding++)
        {
            var key = new ArtifactKey("workspace-with-a-long-name", name + new string('z', padding));
            var text = Signal(key.Name, "senior-architecture-reviewer-agent-7", kind, 7, key.Namespace).ToCompactText();
            var marker = kind == SignalKind.Delete ? " deleted (v7)" : " → v7";
            var shown = text["[coherence] ".Length..text.LastIndexOf(marker, StringComparison.Ordinal)];
            _ = s_strictUtf8.GetBytes(text); // throws on a lone surrogate
            var full = key.ToString();
            if (shown == full)
            {
                continue;
            }

            Assert.StartsWith("…", shown, StringComparison.Ordinal);
            var tail = shown[1..];
            Assert.EndsWith(tail, full, StringComparison.Ordinal);
            var start = full.Length - tail.Length;
            Assert.True(
                StringInfo.ParseCombiningCharacters(full).Contains(start) || start == full.Length,
                $"'{text}' cuts '{full}' at {start}, inside a text element");
        }
    }

    [Theory]
    [InlineData("senior-architecture-reviewer-agent-7")]
    [InlineData("🇩🇪🇩🇪🇩🇪🇩🇪🇩🇪🇩🇪🇩🇪🇩🇪🇩🇪🇩🇪")]
    [InlineData("é́é́é́é́é́é́é́é́é́é́é́é́")]
    [InlineData("👨‍👩‍👧‍👦👨‍👩‍👧‍👦👨‍👩‍👧‍👦👨‍👩‍👧‍👦")]
    public void A_shortened_issuer_keeps_whole_text_elements_of_its_head(string issuer)
    {
        for (var padding = 0; padding < 12; padding++)
        {
            var id = new string('a', padding) + issuer;
            var text = Signal("docs/architecture/decisions/0042-use-coherence-for-shared-plans.md", id, SignalKind.Commit, 7).ToCompactText();
            _ = s_strictUtf8.GetBytes(text); // throws on a lone surrogate
            var shown = text[(text.LastIndexOf(" by ", StringComparison.Ordinal) + " by ".Length)..];
            if (shown == id)
            {
                continue;
            }

            Assert.EndsWith("…", shown, StringComparison.Ordinal);
            var head = shown[..^1];
            Assert.StartsWith(head, id, StringComparison.Ordinal);
            Assert.True(
                StringInfo.ParseCombiningCharacters(id).Contains(head.Length),
                $"'{text}' cuts '{id}' at {head.Length}, inside a text element");
        }
    }

    private static InvalidationSignal Signal(string name, string issuer, SignalKind kind, long version, string ns = ArtifactKey.DefaultNamespace) =>
        new(new ArtifactKey(ns, name), version, new AgentId(issuer), kind, new AgentId("r"));
}

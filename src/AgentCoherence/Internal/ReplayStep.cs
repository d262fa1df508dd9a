using AgentCoherence.Recording;

namespace AgentCoherence.Internal;

/// <summary>One store operation to replay: its step number, its entry, and in an artifact's partition that artifact's key (and batch member).</summary>
internal sealed record ReplayStep(int Step, RecordingEntry Entry, RecordingMember? Member, string? PartitionKey = null);

/// <summary>Why a step does not fit: the check that failed, a sentence, and expected vs recorded in words.</summary>
internal sealed record Mismatch(string Check, string Message, string? Expected, string? Recorded);

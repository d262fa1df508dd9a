namespace AgentCoherence;

/// <summary>An atomic publish was refused: nothing landed. <see cref="Members"/> says which members failed and why.</summary>
public sealed class BatchConflictException : CoherenceException
{
    internal BatchConflictException(IReadOnlyList<Refusal?> members)
        : base(
            members.First(m => m is not null)!,
            $"Publish refused; nothing landed. {members.Count(m => m is not null)} of {members.Count} members failed: "
            + string.Join("; ", members.Where(m => m is not null).Select(m => $"{m!.Key} {m.Reason} (current v{m.CurrentVersion})")))
    {
        Members = members;
    }

    /// <summary>Per member, in order: the refusal, or null for members that passed their checks.</summary>
    public IReadOnlyList<Refusal?> Members { get; }

    /// <inheritdoc />
    public override bool IsRetryable => Members.All(m => m is null || m.IsRetryable);

    /// <inheritdoc />
    public override string Advice => "re-read the refused members, re-derive them, and publish the whole batch again";
}

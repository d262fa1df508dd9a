namespace AgentCoherence;

/// <summary>The stable snake_case names of refusal reasons, as metrics tags and tool results carry them.</summary>
public static class RefusalReasonNames
{
    /// <summary>
    /// <c>stale_view</c>, <c>held_by_other</c>, <c>not_owner</c>, <c>version_conflict</c>, <c>stale_epoch</c>,
    /// <c>not_found</c>, <c>expected_version_ahead</c> or <c>unknown_agent</c>; <c>other</c> for a value the
    /// enum does not define.
    /// </summary>
    public static string ToSnakeCase(this RefusalReason reason) => reason switch
    {
        RefusalReason.StaleView => "stale_view",
        RefusalReason.HeldByOther => "held_by_other",
        RefusalReason.NotOwner => "not_owner",
        RefusalReason.VersionConflict => "version_conflict",
        RefusalReason.StaleEpoch => "stale_epoch",
        RefusalReason.NotFound => "not_found",
        RefusalReason.ExpectedVersionAhead => "expected_version_ahead",
        RefusalReason.UnknownAgent => "unknown_agent",
        _ => "other",
    };
}

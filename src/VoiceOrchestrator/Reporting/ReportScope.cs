namespace VoiceOrchestrator.Reporting;

/// <summary>
/// What a report covers: one workspace, a time range, and optionally one campaign and one agent.
/// Raw calls are selected by creation time within [<see cref="From"/>, <see cref="To"/>]; rolled-up
/// days are selected whole, by the UTC days the range touches.
/// </summary>
public sealed record ReportScope(string WorkspaceId, DateTime From, DateTime To, string? CampaignId, string? AgentId)
{
    public DateOnly FromDay => DateOnly.FromDateTime(From);
    public DateOnly ToDay => DateOnly.FromDateTime(To);

    /// <summary>The first instant of a UTC day.</summary>
    public static DateTime Start(DateOnly day) => day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
}

/// <summary>How report rows are keyed; a status breakdown is read from the totals' per-state columns.</summary>
public enum ReportKey
{
    None,
    Day,
    Agent,
    Campaign,
}

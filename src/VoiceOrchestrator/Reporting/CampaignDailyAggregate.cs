namespace VoiceOrchestrator.Reporting;

/// <summary>The totals of one campaign for one day, kept forever.</summary>
public sealed class CampaignDailyAggregate
{
    public required string WorkspaceId { get; set; }
    public required string CampaignId { get; set; }
    public DateOnly Day { get; set; }
    public DailyCallTotals Totals { get; set; } = new();
    public DateTime UpdatedAt { get; set; }
}

namespace VoiceOrchestrator.Reporting;

/// <summary>
/// The totals of one workspace, agent and campaign for one day, kept forever; raw calls older than
/// the retention window are folded into these and then deleted. Calls without a campaign are kept
/// under <see cref="NoCampaign"/>, so that an agent's day is the sum of its rows.
/// </summary>
public sealed class CallDailyAggregate
{
    /// <summary>The campaign key of calls that belong to no campaign.</summary>
    public const string NoCampaign = "";

    public required string WorkspaceId { get; set; }
    public required string AgentId { get; set; }
    public string CampaignId { get; set; } = NoCampaign;
    public DateOnly Day { get; set; }
    public DailyCallTotals Totals { get; set; } = new();
    public DateTime UpdatedAt { get; set; }
}

namespace VoiceOrchestrator.Campaigns;

public enum CampaignStatus
{
    Active,
    Paused,
    Cancelled,
    Completed,
}

/// <summary>A named group of bulk calls with its own concurrency and AMD settings.</summary>
public sealed class Campaign
{
    public required string WorkspaceId { get; set; }

    /// <summary>The client's id for the campaign, unique within the workspace.</summary>
    public required string Id { get; set; }

    public string? Name { get; set; }
    public CampaignStatus Status { get; set; } = CampaignStatus.Active;
    public int Concurrency { get; set; } = 50;
    public GateMode GateMode { get; set; } = GateMode.Direct;
    public int MachineDetectionTimeout { get; set; } = 6;
    public bool EnableMachineDetection { get; set; } = true;
    public string? Metadata { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

namespace VoiceOrchestrator.Conversations;

/// <summary>One run of conversation sync: what it synced, what failed, and how it ended.</summary>
public sealed class SyncLog
{
    public Guid Id { get; set; }
    public required string WorkspaceId { get; set; }

    /// <summary>webhook, polling or manual.</summary>
    public required string Type { get; set; }

    public int RecordsSynced { get; set; }
    public int RecordsFailed { get; set; }
    public string? Error { get; set; }
    public DateTime StartedAt { get; set; }
    public DateTime? CompletedAt { get; set; }

    /// <summary>success, failed or in_progress.</summary>
    public string Status { get; set; } = "in_progress";
}

namespace VoiceOrchestrator.Conversations;

/// <summary>A local copy of an ElevenLabs conversation, so listing and search do not wait on the API.</summary>
public sealed class Conversation
{
    public required string ConversationId { get; set; }
    public required string WorkspaceId { get; set; }
    public Guid? CallId { get; set; }
    public string? AgentId { get; set; }
    public string? CallerNumber { get; set; }
    public string? CalleeNumber { get; set; }

    /// <summary>done, in_progress, failed or waiting.</summary>
    public string Status { get; set; } = "done";

    public string? Direction { get; set; }
    public string? CallType { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? EndedAt { get; set; }
    public int? DurationSecs { get; set; }

    /// <summary>JSON array of transcript turns.</summary>
    public string? Transcript { get; set; }

    /// <summary>JSON object: the provider's analysis block.</summary>
    public string? Analysis { get; set; }

    public string? Summary { get; set; }

    /// <summary>JSON object: the provider's metadata block.</summary>
    public string? Metadata { get; set; }

    public string? EndReason { get; set; }
    public bool HasRecording { get; set; }
    public bool SyncedFromApi { get; set; }
    public DateTime? LastSyncedAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

namespace VoiceOrchestrator.Conversations;

/// <summary>
/// How many conversations a workspace has in one status. Kept by database triggers on
/// <c>conversations</c>; the application only reads it.
/// </summary>
public sealed class ConversationCount
{
    public required string WorkspaceId { get; set; }
    public required string Status { get; set; }
    public long Conversations { get; set; }
}

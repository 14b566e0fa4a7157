namespace VoiceOrchestrator.Simulator;

/// <summary>Conversation status as the contract names it (§6): note the hyphen in <c>in-progress</c>.</summary>
internal enum ConversationStatus
{
    Initiated,
    InProgress,
    Done,
    Failed,
}

internal static class ConversationStatusExtensions
{
    public static string ToWire(this ConversationStatus status) => status switch
    {
        ConversationStatus.Initiated => "initiated",
        ConversationStatus.InProgress => "in-progress",
        ConversationStatus.Done => "done",
        ConversationStatus.Failed => "failed",
    };
}

namespace VoiceOrchestrator.Simulator;

/// <summary>Filters and paging of <c>GET /v1/convai/conversations</c> (§6).</summary>
internal sealed record ConversationQuery(
    int PageSize,
    (long StartedAtMs, long Sequence)? After,
    string? AgentId,
    string? UserId,
    string? CallSuccessful,
    long? StartBeforeUnix,
    long? StartAfterUnix);

internal sealed record ConversationPage(
    IReadOnlyList<(SimulatedConversation Conversation, ConversationProgress Progress)> Items,
    bool HasMore);

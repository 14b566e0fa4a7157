namespace VoiceOrchestrator.Conversations;

/// <summary>Our four conversation statuses and how the provider's five map onto them.</summary>
public static class ConversationStatuses
{
    public const string Done = "done";
    public const string InProgress = "in_progress";
    public const string Failed = "failed";
    public const string Waiting = "waiting";

    public static readonly IReadOnlyList<string> All = [Done, InProgress, Failed, Waiting];

    /// <summary>
    /// <c>initiated</c> has not connected yet; <c>processing</c> has ended but its analysis is not
    /// ready, so it is still in progress for us (a later sync or the webhook completes it).
    /// </summary>
    public static string FromProvider(string? status) => status switch
    {
        "done" => Done,
        "failed" => Failed,
        "in-progress" or "in_progress" or "processing" => InProgress,
        "initiated" => Waiting,
        _ => Done,
    };
}

using VoiceOrchestrator.Calls;

namespace VoiceOrchestrator.Compat.AiCallOrchestrator;

/// <summary>
/// The AI Call Orchestrator's five statuses over the lifecycle of design §3:
/// <c>queued</c> → PENDING; <c>dialing</c>, <c>ringing</c>, <c>in_progress</c> → IN_PROGRESS;
/// <c>completed</c> → COMPLETED; <c>busy</c>, <c>no_answer</c>, <c>machine_detected</c>, <c>failed</c>,
/// <c>cancelled</c> → FAILED; <c>expired</c> → EXPIRED. The precise state stays in <c>state</c>.
/// </summary>
public static class AiCallStatus
{
    public const string Pending = "PENDING";
    public const string InProgress = "IN_PROGRESS";
    public const string Completed = "COMPLETED";
    public const string Failed = "FAILED";
    public const string Expired = "EXPIRED";

    public static readonly string[] All = [Pending, InProgress, Completed, Failed, Expired];

    public static string Of(CallState state) => state switch
    {
        CallState.Queued => Pending,
        CallState.Dialing or CallState.Ringing or CallState.InProgress => InProgress,
        CallState.Completed => Completed,
        CallState.Expired => Expired,
        _ => Failed,
    };

    /// <summary>The states one status stands for; null when the name is not a status.</summary>
    public static CallState[]? States(string status) =>
        Enum.GetValues<CallState>().Where(s => string.Equals(Of(s), status, StringComparison.OrdinalIgnoreCase)).ToArray() is { Length: > 0 } states ? states : null;
}

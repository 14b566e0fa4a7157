using System.Text.Json;
using VoiceOrchestrator.Calls;

namespace VoiceOrchestrator.Providers.ElevenLabs;

/// <summary>
/// What a conversation (webhook <c>post_call_transcription</c> data or GET conversation, the same
/// model) says about the call: where it stands and the figures to keep.
/// </summary>
public sealed record ConversationOutcome(
    string ConversationId,
    CallState State,
    string? UserId,
    string? CallSid,
    string? ExternalNumber,
    int? DurationSecs,
    string? TerminationReason,
    string? FailureReason,
    double? Credits,
    double? CostUsd,
    DateTime? StartedAt,
    DateTime? AnsweredAt)
{
    public static ConversationOutcome? Parse(JsonElement data)
    {
        var conversationId = Text(data, "conversation_id");
        if (conversationId is null)
        {
            return null;
        }

        var metadata = data.TryGetProperty("metadata", out var m) && m.ValueKind == JsonValueKind.Object ? m : default;
        var phoneCall = metadata.ValueKind == JsonValueKind.Object && metadata.TryGetProperty("phone_call", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
        var callResult = phoneCall.ValueKind == JsonValueKind.Object ? Text(phoneCall, "call_result") : null;
        var status = Text(data, "status");
        var state = (status, callResult) switch
        {
            (_, "busy") => CallState.Busy,
            (_, "no_answer") => CallState.NoAnswer,
            ("failed", _) or (_, "failed") => CallState.Failed,
            ("done", _) or ("processing", _) => CallState.Completed,
            ("in-progress", _) => CallState.InProgress,
            ("initiated", _) => CallState.Ringing,
            _ => CallState.Completed,
        };

        var userId = Text(data, "user_id");
        if (userId is null && data.TryGetProperty("conversation_initiation_client_data", out var clientData) && clientData.ValueKind == JsonValueKind.Object)
        {
            userId = Text(clientData, "user_id");
        }

        return new ConversationOutcome(
            conversationId,
            state,
            userId,
            phoneCall.ValueKind == JsonValueKind.Object ? Text(phoneCall, "call_sid") : null,
            phoneCall.ValueKind == JsonValueKind.Object ? Text(phoneCall, "external_number") : null,
            Number(metadata, "call_duration_secs") is { } duration ? (int)Math.Round(duration) : null,
            Text(metadata, "termination_reason") is { Length: > 0 } reason ? reason : null,
            callResult is "answered" or null ? null : callResult,
            Number(metadata, "cost"),
            Number(metadata, "cost_fiat"),
            Unix(Number(metadata, "start_time_unix_secs")),
            Unix(Number(metadata, "accepted_time_unix_secs")));
    }

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static double? Number(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;

    private static DateTime? Unix(double? seconds) =>
        seconds is { } value and > 0 and < 253402300799 ? DateTimeOffset.FromUnixTimeSeconds((long)value).UtcDateTime : null;
}

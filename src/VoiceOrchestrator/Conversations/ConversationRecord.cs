using System.Text.Json;
using VoiceOrchestrator.Providers.ElevenLabs;

namespace VoiceOrchestrator.Conversations;

/// <summary>
/// Reads a conversation as the provider gives it (GET conversation and the
/// <c>post_call_transcription</c> webhook share one model, contract §7 and §8.3) into our row.
/// </summary>
public static class ConversationRecord
{
    public static Conversation? FromDetail(JsonElement data, string workspaceId, bool syncedFromApi, DateTime now)
    {
        var conversationId = Text(data, "conversation_id");
        if (string.IsNullOrEmpty(conversationId))
        {
            return null;
        }

        var metadata = Object(data, "metadata");
        var phoneCall = Object(metadata, "phone_call");
        var analysis = Object(data, "analysis");
        var direction = Text(phoneCall, "direction");
        var agentNumber = Text(phoneCall, "agent_number");
        var externalNumber = Text(phoneCall, "external_number");
        var inbound = direction == "inbound";
        var status = ConversationStatuses.FromProvider(Text(data, "status"));
        var startedAt = Unix(Number(metadata, "start_time_unix_secs"));
        var duration = Number(metadata, "call_duration_secs") is { } seconds ? (int)Math.Round(seconds) : (int?)null;
        var transcript = data.TryGetProperty("transcript", out var turns) && turns.ValueKind == JsonValueKind.Array ? turns.GetRawText() : null;

        return new Conversation
        {
            ConversationId = conversationId,
            WorkspaceId = workspaceId,
            AgentId = Text(data, "agent_id"),
            CallerNumber = inbound ? externalNumber : agentNumber,
            CalleeNumber = inbound ? agentNumber : externalNumber,
            Status = status,
            Direction = direction,
            CallType = Text(phoneCall, "type"),
            // Listing orders by start: a conversation without one sorts as of when we first saw it.
            StartedAt = startedAt ?? now,
            EndedAt = startedAt is { } start && duration is { } d && status is ConversationStatuses.Done or ConversationStatuses.Failed ? start.AddSeconds(d) : null,
            DurationSecs = duration,
            Transcript = transcript,
            Analysis = analysis.ValueKind == JsonValueKind.Object ? analysis.GetRawText() : null,
            Summary = Text(analysis, "transcript_summary") is { Length: > 0 } summary ? summary : null,
            Metadata = metadata.ValueKind == JsonValueKind.Object ? metadata.GetRawText() : null,
            EndReason = Text(metadata, "termination_reason") is { Length: > 0 } reason ? reason : null,
            HasRecording = Bool(data, "has_audio"),
            SyncedFromApi = syncedFromApi,
            LastSyncedAt = now,
            CreatedAt = now,
            UpdatedAt = now,
        };
    }

    /// <summary>A row from a list entry (contract §6), for a conversation seen live and not stored yet.</summary>
    public static Conversation FromSummary(ConversationSummary summary, string workspaceId, DateTime now)
    {
        var startedAt = summary.StartTimeUnixSecs > 0 ? DateTimeOffset.FromUnixTimeSeconds(summary.StartTimeUnixSecs).UtcDateTime : now;
        var status = ConversationStatuses.FromProvider(summary.Status);
        return new Conversation
        {
            ConversationId = summary.ConversationId,
            WorkspaceId = workspaceId,
            AgentId = summary.AgentId,
            Status = status,
            Direction = summary.Direction,
            StartedAt = startedAt,
            EndedAt = status is ConversationStatuses.Done or ConversationStatuses.Failed ? startedAt.AddSeconds(summary.CallDurationSecs) : null,
            DurationSecs = summary.CallDurationSecs,
            Summary = summary.TranscriptSummary,
            EndReason = summary.TerminationReason is { Length: > 0 } reason ? reason : null,
            SyncedFromApi = true,
            LastSyncedAt = now,
            CreatedAt = now,
            UpdatedAt = now,
        };
    }

    /// <summary>Our call's id when the conversation names it (we send it as <c>user_id</c>).</summary>
    public static Guid? UserCallId(JsonElement data)
    {
        var userId = Text(data, "user_id");
        if (userId is null && Object(data, "conversation_initiation_client_data") is { ValueKind: JsonValueKind.Object } clientData)
        {
            userId = Text(clientData, "user_id");
        }

        return Guid.TryParse(userId, out var id) ? id : null;
    }

    private static JsonElement Object(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object ? value : default;

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static double? Number(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;

    private static bool Bool(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

    private static DateTime? Unix(double? seconds) =>
        seconds is { } value and > 0 and < 253402300799 ? DateTimeOffset.FromUnixTimeSeconds((long)value).UtcDateTime : null;
}

using System.Text.Json;
using System.Text.Json.Serialization;

namespace VoiceOrchestrator.Providers.ElevenLabs;

/// <summary>Wire shapes of the ElevenLabs API: snake_case, unknown fields ignored.</summary>
public static class ElevenLabsWire
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}

public sealed record OutboundCallResponse(
    bool Success,
    string? Message,
    string? ConversationId,
    [property: JsonPropertyName("callSid")] string? CallSid,
    string? SipCallId);

public sealed record ConversationPage(List<ConversationSummary> Conversations, bool HasMore, string? NextCursor);

public sealed record ConversationSummary(
    string AgentId, string ConversationId, long StartTimeUnixSecs, int CallDurationSecs, string? Status, string? CallSuccessful,
    string? Direction, string? TerminationReason, string? TranscriptSummary = null);

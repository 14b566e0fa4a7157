using System.Text.Json;
using System.Text.Json.Serialization;

namespace VoiceOrchestrator.Simulator;

/// <summary><c>GetConversationResponseModel</c> (§7), also the <c>data</c> of <c>post_call_transcription</c> (§8.3).</summary>
internal sealed record ConversationDetailModel(
    string AgentId,
    string AgentName,
    string ConversationId,
    string Status,
    string? UserId,
    IReadOnlyList<TranscriptTurnModel> Transcript,
    ConversationMetadataModel Metadata,
    ConversationAnalysisModel? Analysis,
    JsonElement? ConversationInitiationClientData,
    bool HasAudio,
    bool HasUserAudio,
    bool HasResponseAudio,
    bool HasAuxiliaryAudio);

internal sealed record TranscriptTurnModel(
    string Role,
    string? Message,
    int TimeInCallSecs,
    IReadOnlyList<object> ToolCalls,
    IReadOnlyList<object> ToolResults,
    object? Feedback,
    bool Interrupted);

internal sealed record ConversationMetadataModel(
    long StartTimeUnixSecs,
    long? AcceptedTimeUnixSecs,
    int CallDurationSecs,
    int Cost,
    string TerminationReason,
    ChargingModel Charging,
    PhoneCallModel PhoneCall,
    object? BatchCall,
    ConversationErrorModel? Error,
    string MainLanguage,
    bool TextOnly);

internal sealed record ChargingModel(bool DevDiscount, bool IsBurst);

/// <summary><c>metadata.phone_call</c>: the twilio variant carries <c>stream_sid</c>, the sip_trunking variant <c>call_id</c>.</summary>
internal sealed record PhoneCallModel(
    string Type,
    string Direction,
    string PhoneNumberId,
    string AgentNumber,
    string ExternalNumber,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? StreamSid,
    string CallSid,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? CallId,
    string? CallResult);

internal sealed record ConversationErrorModel(int Code, string Reason);

internal sealed record ConversationAnalysisModel(
    string CallSuccessful,
    string TranscriptSummary,
    string CallSummaryTitle,
    IReadOnlyDictionary<string, object> EvaluationCriteriaResults,
    IReadOnlyDictionary<string, object> DataCollectionResults);

/// <summary><c>ConversationSummaryResponseModel</c> (§6).</summary>
internal sealed record ConversationSummaryModel(
    string AgentId,
    string AgentName,
    string ConversationId,
    long StartTimeUnixSecs,
    int CallDurationSecs,
    int MessageCount,
    string Status,
    string CallSuccessful,
    string Direction,
    string TerminationReason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? TranscriptSummary,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? CallSummaryTitle);

/// <summary><c>GetConversationsPageResponseModel</c> (§6).</summary>
internal sealed record ConversationPageModel(
    IReadOnlyList<ConversationSummaryModel> Conversations,
    string? NextCursor,
    bool HasMore);

/// <summary><c>GET /v1/convai/analytics/live-count</c>.</summary>
internal sealed record LiveCountModel(int Count);

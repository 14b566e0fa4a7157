using System.Text.Json.Serialization;

namespace VoiceOrchestrator.Simulator;

/// <summary><c>TwilioOutboundCallResponse</c> (§2): always all four keys; <c>callSid</c> is camelCase on the wire.</summary>
internal sealed record TwilioOutboundCallResponse(
    bool Success,
    string Message,
    string? ConversationId,
    [property: JsonPropertyName("callSid")] string? CallSid);

/// <summary><c>SIPTrunkOutboundCallResponse</c> (§3): always all four keys, <c>sip_call_id</c> snake_case.</summary>
internal sealed record SipTrunkOutboundCallResponse(
    bool Success,
    string Message,
    string? ConversationId,
    string? SipCallId);

using System.Text.Json.Nodes;

namespace VoiceOrchestrator.Providers.ElevenLabs;

/// <summary>The body of <c>POST /v1/convai/{twilio|sip-trunk}/outbound-call</c> (contract §2-3).</summary>
public sealed record OutboundCallRequest(
    string AgentId,
    string AgentPhoneNumberId,
    string ToNumber,
    JsonObject? ConversationInitiationClientData);

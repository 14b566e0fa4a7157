using System.Text.Json;

namespace VoiceOrchestrator.Simulator;

/// <summary>The fields of an outbound-call body (§2, §3) the emulator acts on, plus the whole body as received.</summary>
internal sealed record OutboundCallRequest(
    string AgentId,
    string AgentPhoneNumberId,
    string ToNumber,
    JsonElement? ClientData,
    string? UserId,
    JsonElement Body);

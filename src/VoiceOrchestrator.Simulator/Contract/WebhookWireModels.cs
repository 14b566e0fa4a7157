namespace VoiceOrchestrator.Simulator;

/// <summary>Webhook envelope (§8.3). <c>data</c> is typed as object so each event serializes its own shape.</summary>
internal sealed record WebhookEnvelope(string Type, long EventTimestamp, object Data);

/// <summary><c>call_initiation_failure</c> data (§8.4).</summary>
internal sealed record CallInitiationFailureData(
    string AgentId,
    string ConversationId,
    string FailureReason,
    FailureMetadataModel Metadata);

/// <summary><c>{type: "twilio" | "sip", body}</c>; the Twilio body is the raw StatusCallback form, hence a string map.</summary>
internal sealed record FailureMetadataModel(string Type, object Body);

internal sealed record SipFailureBody(int SipStatusCode, string ErrorReason, string CallSid, string SipStatus, string TwirpCode);

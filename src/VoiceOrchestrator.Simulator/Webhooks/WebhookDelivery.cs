namespace VoiceOrchestrator.Simulator;

/// <summary>A webhook waiting to go out, with the settings that were current when its call ended.</summary>
internal sealed record WebhookDelivery(
    Uri Url,
    string? Secret,
    int ExtraAttempts,
    TimeSpan AttemptTimeout,
    WebhookEnvelope Envelope,
    SimulatorCounters Counters);

namespace VoiceOrchestrator.Providers.ElevenLabs;

/// <summary>How a call-creating request ended, as far as at-most-once dialing is concerned.</summary>
public enum DialOutcomeKind
{
    /// <summary>The provider placed the call and gave us its ids.</summary>
    Accepted,

    /// <summary>The provider refused the request; no call was placed and asking again will not help.</summary>
    Refused,

    /// <summary>The provider is at capacity (429, 503 system_busy); no call was placed, try later.</summary>
    Capacity,

    /// <summary>No call was placed (the connection was never made); worth another attempt.</summary>
    NotDialed,

    /// <summary>A call may or may not have been placed (timeout, 5xx, broken connection): reconcile, never redial blindly.</summary>
    Ambiguous,
}

public sealed record DialOutcome(DialOutcomeKind Kind, string? ConversationId = null, string? ProviderCallId = null,
    int? StatusCode = null, string? ErrorCode = null, string? Message = null, TimeSpan? RetryAfter = null)
{
    public string Describe() =>
        $"{Kind}{(StatusCode is { } status ? $" HTTP {status}" : "")}{(ErrorCode is null ? "" : $" {ErrorCode}")}{(Message is null ? "" : $": {Message}")}";
}

namespace VoiceOrchestrator.Simulator;

/// <summary>
/// One call created through the emulated Calls API. The request's settings never change; the progress fields are
/// written under <see cref="Gate"/> by the call's script, the update endpoint and the bridged conversation.
/// </summary>
internal sealed class SimulatedTwilioCall
{
    public Lock Gate { get; } = new();

    public required TwilioEpoch Epoch { get; init; }
    public required string Sid { get; init; }
    public required string AccountSid { get; init; }
    public required string To { get; init; }
    public required string From { get; init; }

    /// <summary>The token the create request authenticated with: callbacks are signed with it.</summary>
    public required string AuthToken { get; init; }

    public required TwilioAnswer Answer { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public string? Url { get; init; }
    public string? Twiml { get; init; }
    public string? StatusCallback { get; init; }
    public required IReadOnlySet<string> StatusEvents { get; init; }
    public string? MachineDetection { get; init; }
    public int MachineDetectionTimeoutSecs { get; init; } = 30;
    public bool AsyncAmd { get; init; }
    public string? AsyncAmdStatusCallback { get; init; }

    /// <summary><c>queued</c>, <c>ringing</c>, <c>in-progress</c>, then one of <c>completed</c>, <c>busy</c>, <c>no-answer</c>, <c>failed</c>, <c>canceled</c>.</summary>
    public string Status { get; set; } = "queued";

    public DateTimeOffset? AnsweredAt { get; set; }
    public DateTimeOffset? EndedAt { get; set; }
    public string? AnsweredBy { get; set; }
    public bool Bridged { get; set; }
    public string? ConversationId { get; set; }

    /// <summary>Bumped whenever new TwiML starts running, so a timer of the TwiML it replaced does nothing.</summary>
    public int TwimlGeneration { get; set; }

    /// <summary>The next status callback's <c>SequenceNumber</c>.</summary>
    public int NextSequence { get; set; }

    /// <summary>Callbacks of one call go out one after another, in the order they happened.</summary>
    public Task Outbox { get; set; } = Task.CompletedTask;

    public bool IsFinished => Status is "completed" or "busy" or "no-answer" or "failed" or "canceled";
}

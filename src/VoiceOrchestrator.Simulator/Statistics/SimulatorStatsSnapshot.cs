namespace VoiceOrchestrator.Simulator;

/// <summary>
/// What the simulator has seen since it started or was last reset (<c>GET /_sim/stats</c>).
/// </summary>
/// <param name="ActiveCalls">Calls placed through the API that have not ended (external calls not included).</param>
/// <param name="MaxConcurrency">Highest <paramref name="ActiveCalls"/> ever reached: must never exceed the client's limit.</param>
/// <param name="TotalRequests">Outbound-call requests received, whatever their answer.</param>
/// <param name="AcceptedDials">Calls placed, including those answered with an injected "placed" fault.</param>
/// <param name="RejectedCapacity">Dials turned away because the workspace was full.</param>
/// <param name="RejectedOther">Dials turned away for any other reason (auth, validation, injected faults that place nothing).</param>
/// <param name="DialsByNumber">Placed calls per destination number.</param>
/// <param name="Completed">Answered calls that ended (<c>done</c>).</param>
/// <param name="Failed">Calls that ended busy, unanswered or failed.</param>
/// <param name="WebhooksSent">Deliveries answered with 200.</param>
/// <param name="WebhooksFailed">Deliveries that failed after all attempts.</param>
/// <param name="WebhooksPending">Webhooks decided but not yet delivered or given up.</param>
/// <param name="FaultsInjected">Responses replaced by an injected fault.</param>
/// <param name="ConcurrencyLimit">The current limit.</param>
/// <param name="ExternalActiveCalls">Capacity occupied outside the API (setting).</param>
public sealed record SimulatorStatsSnapshot(
    int ActiveCalls,
    int MaxConcurrency,
    long TotalRequests,
    long AcceptedDials,
    long RejectedCapacity,
    long RejectedOther,
    IReadOnlyDictionary<string, int> DialsByNumber,
    long Completed,
    long Failed,
    long WebhooksSent,
    long WebhooksFailed,
    long WebhooksPending,
    long FaultsInjected,
    int ConcurrencyLimit,
    int ExternalActiveCalls);

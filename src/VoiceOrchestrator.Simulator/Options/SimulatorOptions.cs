namespace VoiceOrchestrator.Simulator;

/// <summary>
/// Behaviour of the emulated ElevenLabs workspace. The simulator treats an instance as immutable:
/// change behaviour at runtime with <see cref="SimulatorState.Configure(Func{SimulatorOptions, SimulatorOptions})"/>
/// or <c>PUT /_sim/config</c>. Every property is also a <c>SIM_*</c> environment variable
/// (property name in upper snake case, e.g. <c>SIM_CONCURRENCY_LIMIT</c>).
/// </summary>
public sealed record SimulatorOptions
{
    /// <summary>Expected <c>xi-api-key</c>; null accepts any non-empty key.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Workspace concurrency limit: dials beyond it get the <see cref="CapacityAnswer"/>.</summary>
    public int ConcurrencyLimit { get; init; } = 30;

    /// <summary>Calls occupying workspace capacity that were placed elsewhere (dashboard, other tools); they count against the limit and the live count.</summary>
    public int ExternalActiveCalls { get; init; }

    /// <summary>Time from an accepted dial until the outcome (answer, busy, no answer, failure) is known.</summary>
    public int RingMs { get; init; } = 300;

    /// <summary>How long an answered call stays <c>in-progress</c>.</summary>
    public int CallDurationMs { get; init; } = 2000;

    /// <summary>Uniform jitter (±) applied to <see cref="CallDurationMs"/>.</summary>
    public int CallDurationJitterMs { get; init; }

    /// <summary>Relative weights of the outcomes drawn for numbers without an entry in <see cref="NumberOutcomes"/>.</summary>
    public OutcomeWeights Outcomes { get; init; } = OutcomeWeights.AnsweredOnly;

    /// <summary>Fixed outcome per destination number (E.164), overriding <see cref="Outcomes"/>.</summary>
    public IReadOnlyDictionary<string, CallOutcome> NumberOutcomes { get; init; } = new Dictionary<string, CallOutcome>();

    /// <summary>Fixed fault per destination number (E.164), overriding the fault rates.</summary>
    public IReadOnlyDictionary<string, FaultKind> NumberFaults { get; init; } = new Dictionary<string, FaultKind>();

    /// <summary>Delay added to every <c>/v1</c> response.</summary>
    public int ResponseLatencyMs { get; init; }

    /// <summary>Share (0..1) of dials answered with a 5xx <c>detail</c> error.</summary>
    public double ServerErrorRate { get; init; }

    /// <summary>Whether a drawn server error happens after the call was placed (ambiguous outcome: the conversation exists and proceeds).</summary>
    public bool ServerErrorPlacesCall { get; init; }

    /// <summary>Status code of injected server errors (500..599).</summary>
    public int ServerErrorStatusCode { get; init; } = 500;

    /// <summary>Share (0..1) of dials whose response hangs for <see cref="TimeoutMs"/>, then answers 504.</summary>
    public double TimeoutRate { get; init; }

    /// <summary>How long an injected timeout holds the response.</summary>
    public int TimeoutMs { get; init; } = 30_000;

    /// <summary>Whether a drawn timeout happens after the call was placed.</summary>
    public bool TimeoutPlacesCall { get; init; }

    /// <summary>Share (0..1) of dials refused with 400 <c>invalid_parameters</c>; never placed.</summary>
    public double RefusalRate { get; init; }

    /// <summary>How a full workspace answers a dial: see <see cref="CapacityAnswers"/>.</summary>
    public string CapacityAnswer { get; init; } = CapacityAnswers.TooManyRequests;

    /// <summary>Where post-call webhooks are POSTed; null sends none.</summary>
    public string? WebhookUrl { get; init; }

    /// <summary>HMAC secret for the <c>ElevenLabs-Signature</c> header; null sends webhooks unsigned.</summary>
    public string? WebhookSecret { get; init; }

    /// <summary>Expected bearer token of the generic provider (<c>POST /ai-call/v1/calls</c>); null accepts any.</summary>
    public string? GenericApiKey { get; init; }

    /// <summary>HMAC secret of the generic provider's <c>X-Webhook-Signature</c>; null uses <see cref="WebhookSecret"/>.</summary>
    public string? GenericWebhookSecret { get; init; }

    /// <summary>Delay between the end of a call and its webhook.</summary>
    public int WebhookDelayMs { get; init; }

    /// <summary>Extra delivery attempts after a failed one (the real platform makes one attempt).</summary>
    public int WebhookRetries { get; init; }

    /// <summary>Deliveries in flight at once. Read once, when the simulator starts.</summary>
    public int WebhookParallelism { get; init; } = 16;

    /// <summary>Per-attempt timeout of a webhook delivery.</summary>
    public int WebhookTimeoutMs { get; init; } = 10_000;

    /// <summary>Seed of the outcome, fault and jitter draws; null draws differently on every run.</summary>
    public int? Seed { get; init; }

    /// <summary>Caller id reported as <c>agent_number</c> (the emulator knows no phone-number records).</summary>
    public string AgentNumber { get; init; } = "+15550001111";

    /// <summary>Name reported as <c>agent_name</c>.</summary>
    public string AgentName { get; init; } = "Simulated Agent";

    /// <summary>
    /// Conversation list pages deeper than this many conversations answer 500 (an outage in the middle of a
    /// sync); null lists every page.
    /// </summary>
    public int? ConversationListErrorAfter { get; init; }

    /// <summary>Oldest conversations are forgotten beyond this many, so long benchmarks stay within memory.</summary>
    public int MaxStoredConversations { get; init; } = 200_000;

    /// <summary>Twilio side: the account SID the Calls API accepts; null accepts any <c>AC…</c> user.</summary>
    public string? TwilioAccountSid { get; init; }

    /// <summary>Twilio side: the auth token (Basic auth password, key of <c>X-Twilio-Signature</c>); null accepts any and signs with the one presented.</summary>
    public string? TwilioAuthToken { get; init; }

    /// <summary>Twilio side: who answers per destination number; other numbers follow the ElevenLabs outcome mix (answered = human).</summary>
    public IReadOnlyDictionary<string, TwilioAnswer> TwilioNumberAnswers { get; init; } = new Dictionary<string, TwilioAnswer>();

    /// <summary>Twilio side: time from answer to the AMD result (capped by the call's MachineDetectionTimeout, which yields unknown).</summary>
    public int TwilioAmdDetectionMs { get; init; } = 1000;
}

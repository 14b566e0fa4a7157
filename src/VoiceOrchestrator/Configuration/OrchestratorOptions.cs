namespace VoiceOrchestrator.Configuration;

/// <summary>
/// The service's settings. They are read from the environment variables of the systems this
/// service replaces (see <see cref="EnvironmentSettings"/>), so their names stay those of design §10.
/// </summary>
public sealed class OrchestratorOptions
{
    public int ServicePort { get; set; } = 3000;

    /// <summary>The raw DATABASE_URL; <see cref="Database"/> is what it resolved to.</summary>
    public string? DatabaseUrl { get; set; }

    public DatabaseTarget Database { get; set; } = DatabaseTarget.DefaultSqlite();

    public string? ElevenLabsApiKey { get; set; }
    public string ElevenLabsBaseUrl { get; set; } = "https://api.elevenlabs.io";
    public string ElevenLabsOutboundCallsPath { get; set; } = "/v1/convai/twilio/outbound-call";
    public int ConcurrencyLimit { get; set; } = 30;
    public string? ElevenLabsWebhookSecret { get; set; }
    public string? ElevenLabsActiveCallsUrl { get; set; }
    public IReadOnlyList<string> ElevenLabsActiveStatuses { get; set; } = ["in_progress"];
    public ActiveCountStrategy ElevenLabsActiveCountStrategy { get; set; } = ActiveCountStrategy.Dispatched;
    public int PollingIntervalMs { get; set; } = 5000;

    public string? TwilioAccountSid { get; set; }
    public string? TwilioAuthToken { get; set; }
    public string TwilioApiBaseUrl { get; set; } = "https://api.twilio.com";
    public string? TwilioFromFallback { get; set; }

    /// <summary>Voice Insights API (TWILIO_INSIGHTS_BASE_URL), where call quality summaries are read.</summary>
    public string TwilioInsightsBaseUrl { get; set; } = "https://insights.twilio.com";
    public string? PublicBaseUrl { get; set; }

    /// <summary>Twilio calls created per second (TWILIO_CPS, default 1 as Twilio's account default); 0 means no cap.</summary>
    public double TwilioCps { get; set; } = 1;

    /// <summary>Whether AnsweredBy=unknown connects the agent like a human (TWILIO_AMD_UNKNOWN_AS_HUMAN, default true) or hangs up like a machine.</summary>
    public bool TwilioAmdUnknownAsHuman { get; set; } = true;

    /// <summary>Twilio price per started minute of an answered call, when Twilio reports none (TWILIO_PRICE_PER_MINUTE).</summary>
    public double TwilioPricePerMinute { get; set; } = 0.014;

    /// <summary>Twilio price of one AMD result (TWILIO_AMD_PRICE_PER_CALL).</summary>
    public double TwilioAmdPricePerCall { get; set; } = 0.0075;

    /// <summary>Where Twilio reaches this service: PUBLIC_BASE_URL, else (outside production) this instance on loopback.</summary>
    public string EffectivePublicBaseUrl => (PublicBaseUrl ?? $"http://127.0.0.1:{ServicePort}").TrimEnd('/');

    public int CallsWorkerConcurrency { get; set; } = 50;
    public int MaxRetryAttempts { get; set; } = 3;
    public int RetentionDays { get; set; } = 15;

    /// <summary>Days conversations (transcripts) are kept (TRANSCRIPT_RETENTION_DAYS); 0 keeps them forever.</summary>
    public int TranscriptRetentionDays { get; set; }

    /// <summary>UTC hour of the daily retention run (RETENTION_HOUR_UTC); a catch-up also runs at start-up.</summary>
    public int RetentionHourUtc { get; set; } = 3;

    /// <summary>ElevenLabs price per agent minute in USD, used where ElevenLabs reported no cost (ELEVENLABS_PRICE_PER_MINUTE).</summary>
    public double ElevenLabsPricePerMinute { get; set; } = 0.10;

    /// <summary>Length of the voicemail an agent would leave (VOICEMAIL_SECONDS): the cost AMD saves per machine screened out.</summary>
    public int VoicemailSeconds { get; set; } = 30;
    public string LogLevel { get; set; } = "info";

    public string? AdminToken { get; set; }
    public string? AiCallApiUrl { get; set; }
    public string? AiCallApiKey { get; set; }

    /// <summary>Workspaces whose every call (priority and bulk too) the generic provider places.</summary>
    public IReadOnlySet<string> AiCallWorkspaces { get; set; } = new HashSet<string>(StringComparer.Ordinal);
    public string? WebhookBaseUrl { get; set; }
    public string? WebhookSecret { get; set; }

    /// <summary>Share of the global limit kept free for priority calls (PRIORITY_RESERVED_SHARE, 0-0.9).</summary>
    public double PriorityReservedShare { get; set; }

    /// <summary>Dials per second across the service (DIALS_PER_SECOND); 0 means no cap.</summary>
    public double DialsPerSecond { get; set; }

    /// <summary>How often an idle dispatcher looks for work placed by other instances (DISPATCH_POLL_MS).</summary>
    public int DispatchPollMs { get; set; } = 250;

    /// <summary>How long a slot-holding call may go without a provider event before it is reconciled (CALL_LEASE_SECONDS).</summary>
    public int CallLeaseSeconds { get; set; } = 900;

    /// <summary>Time allowed for one call-creating request to the provider (ELEVENLABS_TIMEOUT_MS).</summary>
    public int ElevenLabsTimeoutMs { get; set; } = 15_000;

    /// <summary>How long the conversation listing waits for its live part before answering from the database alone (CONVERSATIONS_API_TIMEOUT_MS).</summary>
    public int ConversationsApiTimeoutMs { get; set; } = 1_500;

    /// <summary>How long the dispatcher lease lasts without renewal (DISPATCHER_LEASE_SECONDS); another instance takes over after it.</summary>
    public int DispatcherLeaseSeconds { get; set; } = 10;

    /// <summary>Largest number of calls one bulk request may carry.</summary>
    public int MaxBulkCalls { get; set; } = 100_000;

    /// <summary>Metrics, rate limits and logging (see <see cref="OperationsSettings"/>).</summary>
    public OperationsOptions Operations { get; set; } = new();

    /// <summary>True when no provider key is configured outside production: the in-process emulator stands in.</summary>
    public bool DemoMode { get; set; }

    /// <summary>The secret that signs ElevenLabs webhooks: its own variable, else the shared WEBHOOK_SECRET.</summary>
    public string? EffectiveElevenLabsWebhookSecret => ElevenLabsWebhookSecret ?? WebhookSecret;
}

public enum ActiveCountStrategy
{
    Dispatched,
    Batches,
}

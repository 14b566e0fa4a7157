namespace VoiceOrchestrator.Calls;

/// <summary>
/// One call to one person. The calls table is also the dispatch queue: a row in
/// <see cref="CallState.Queued"/> is waiting, and nothing about a call lives only in memory.
/// </summary>
public sealed class Call
{
    public Guid Id { get; set; }
    public required string WorkspaceId { get; set; }
    public string? CampaignId { get; set; }

    /// <summary>The bulk request the call came in with; groups its concurrency when there is no campaign.</summary>
    public Guid? BatchId { get; set; }

    public CallLane Lane { get; set; }

    /// <summary>Slot Scheduler priority within a lane: higher is dialed first.</summary>
    public int Priority { get; set; }

    /// <summary>Which API accepted the call (api, bulk, enqueue, ai_call): each answers in its own shape.</summary>
    public string Source { get; set; } = "api";

    /// <summary>Who dials the call: null for ElevenLabs, <c>generic</c> for the AI Call Orchestrator's provider.</summary>
    public string? Provider { get; set; }

    public required string AgentId { get; set; }
    public required string AgentPhoneNumberId { get; set; }
    public required string ToNumber { get; set; }
    public string? FromNumber { get; set; }

    /// <summary>JSON object sent to the agent as dynamic variables.</summary>
    public string? Variables { get; set; }

    /// <summary>JSON object kept for the client and echoed back.</summary>
    public string? Metadata { get; set; }

    /// <summary>A full <c>conversation_initiation_client_data</c> object to pass through as is (Slot Scheduler).</summary>
    public string? ClientData { get; set; }

    public GateMode GateMode { get; set; }
    public bool EnableMachineDetection { get; set; } = true;
    public int MachineDetectionTimeout { get; set; } = 6;

    /// <summary>The most calls of this call's campaign (or bulk request) that may be active at once.</summary>
    public int Concurrency { get; set; } = 50;

    public CallState State { get; set; } = CallState.Queued;
    public int Attempts { get; set; }
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Not to be claimed before this time (retry backoff); null means now.</summary>
    public DateTime? NextAttemptAt { get; set; }

    /// <summary>When a slot-holding call is considered lost if no provider event arrived.</summary>
    public DateTime? LeaseExpiresAt { get; set; }

    public string? ConversationId { get; set; }

    /// <summary>The telephony id the provider returned: Twilio <c>callSid</c> or SIP <c>sip_call_id</c>.</summary>
    public string? ProviderCallId { get; set; }

    public string? TwilioCallSid { get; set; }
    public string? FailureReason { get; set; }
    public string? TerminationReason { get; set; }
    public string? LastError { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public DateTime? DialedAt { get; set; }
    public DateTime? AnsweredAt { get; set; }
    public DateTime? EndedAt { get; set; }
    public int? DurationSecs { get; set; }

    // Answering machine detection (AMD bridge).
    public string? AmdStatus { get; set; }
    public string? AnsweredBy { get; set; }
    public int? AmdDetectionMs { get; set; }
    public bool SipTrunkUsed { get; set; }

    // Cost, from the providers where they report it, else from configured prices.
    public double? CostTwilio { get; set; }
    public double? CostElevenLabs { get; set; }
    public double? ElevenLabsCredits { get; set; }

    // Call quality (Twilio Voice Insights, where available).
    public string? CallQuality { get; set; }
    public double? Jitter { get; set; }
    public double? PacketLoss { get; set; }
    public double? MosScore { get; set; }
}

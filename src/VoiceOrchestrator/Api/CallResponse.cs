using System.Text.Json;
using VoiceOrchestrator.Calls;

namespace VoiceOrchestrator.Api;

/// <summary>A call as the API shows it. <c>status</c> is the design §3 state; <c>callId</c> repeats <c>id</c> for older clients.</summary>
public sealed record CallResponse
{
    public required Guid Id { get; init; }
    public required Guid CallId { get; init; }
    public required string WorkspaceId { get; init; }
    public string? CampaignId { get; init; }
    public Guid? BatchId { get; init; }
    public required string Status { get; init; }
    public required string Lane { get; init; }
    public int Priority { get; init; }
    public required string AgentId { get; init; }
    public required string AgentPhoneNumberId { get; init; }
    public required string ToNumber { get; init; }
    public string? FromNumber { get; init; }
    public JsonElement? Variables { get; init; }
    public JsonElement? Metadata { get; init; }
    public required string GateMode { get; init; }
    public bool EnableMachineDetection { get; init; }
    public int MachineDetectionTimeout { get; init; }
    public int Concurrency { get; init; }
    public int Attempts { get; init; }
    public int MaxAttempts { get; init; }
    public DateTime? NextAttemptAt { get; init; }
    public string? ConversationId { get; init; }
    public string? ProviderCallId { get; init; }
    public string? TwilioCallSid { get; init; }
    public string? FailureReason { get; init; }
    public string? TerminationReason { get; init; }
    public string? LastError { get; init; }
    public int? DurationSecs { get; init; }
    public string? AmdStatus { get; init; }
    public string? AnsweredBy { get; init; }
    public int? AmdDetectionTime { get; init; }
    public bool SipTrunkUsed { get; init; }
    public double? CostTwilio { get; init; }
    public double? CostElevenLabs { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
    public DateTime? DialedAt { get; init; }
    public DateTime? AnsweredAt { get; init; }
    public DateTime? EndedAt { get; init; }
    public IReadOnlyList<CallEventResponse>? Events { get; init; }

    public static CallResponse From(Call call, IReadOnlyList<CallEvent>? events = null) => new()
    {
        Id = call.Id,
        CallId = call.Id,
        WorkspaceId = call.WorkspaceId,
        CampaignId = call.CampaignId,
        BatchId = call.BatchId,
        Status = call.State.ToWire(),
        Lane = call.Lane == CallLane.Priority ? "priority" : "bulk",
        Priority = call.Priority,
        AgentId = call.AgentId,
        AgentPhoneNumberId = call.AgentPhoneNumberId,
        ToNumber = call.ToNumber,
        FromNumber = call.FromNumber,
        Variables = JsonValues.Parse(call.Variables),
        Metadata = JsonValues.Parse(call.Metadata),
        GateMode = call.GateMode.ToWire(),
        EnableMachineDetection = call.EnableMachineDetection,
        MachineDetectionTimeout = call.MachineDetectionTimeout,
        Concurrency = call.Concurrency,
        Attempts = call.Attempts,
        MaxAttempts = call.MaxAttempts,
        NextAttemptAt = call.NextAttemptAt,
        ConversationId = call.ConversationId,
        ProviderCallId = call.ProviderCallId,
        TwilioCallSid = call.TwilioCallSid,
        FailureReason = call.FailureReason,
        TerminationReason = call.TerminationReason,
        LastError = call.LastError,
        DurationSecs = call.DurationSecs,
        AmdStatus = call.AmdStatus,
        AnsweredBy = call.AnsweredBy,
        AmdDetectionTime = call.AmdDetectionMs,
        SipTrunkUsed = call.SipTrunkUsed,
        CostTwilio = call.CostTwilio,
        CostElevenLabs = call.CostElevenLabs,
        CreatedAt = call.CreatedAt,
        UpdatedAt = call.UpdatedAt,
        DialedAt = call.DialedAt,
        AnsweredAt = call.AnsweredAt,
        EndedAt = call.EndedAt,
        Events = events?.Select(CallEventResponse.Of).ToList(),
    };
}

public sealed record CallEventResponse(string? From, string To, string? Reason, int Attempt, DateTime At)
{
    public static CallEventResponse Of(CallEvent e) => new(e.FromState?.ToWire(), e.ToState.ToWire(), e.Reason, e.Attempt, e.At);
}

public sealed record PagedResponse<T>(IReadOnlyList<T> Data, Pagination Pagination);

public sealed record Pagination(int Page, int Limit, int Total, int TotalPages);

public sealed record BulkCallResponse(
    bool Success, Guid BatchId, string? CampaignId, int Requested, int Accepted, int Duplicates, int Rejected,
    IReadOnlyList<BulkItemError> Errors, string Status);

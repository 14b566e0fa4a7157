using System.Text.Json;
using VoiceOrchestrator.Api;
using VoiceOrchestrator.Calls;

namespace VoiceOrchestrator.Compat.AiCallOrchestrator;

/// <summary><c>POST /api/v1/calls</c> and <c>PATCH /api/v1/calls/{id}</c> bodies.</summary>
public sealed record AiCallRequest
{
    public string? WorkspaceId { get; init; }
    public string? To { get; init; }
    public string? ScriptId { get; init; }
    public JsonElement? Metadata { get; init; }
}

/// <summary>What the call asks for, as the client sent it.</summary>
public sealed record AiCallPayload(string To, string ScriptId, JsonElement? Metadata);

/// <summary>A call in the AI Call Orchestrator's shape.</summary>
public sealed record AiCallView(
    Guid Id,
    AiCallPayload Payload,
    string Status,
    string State,
    int Attempts,
    int MaxAttempts,
    string? LastError,
    string? ExternalCallId,
    string Provider,
    int? DurationSec,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    DateTime? StartedAt,
    DateTime? EndedAt,
    DateTime? NextAttemptAt)
{
    public static AiCallView From(Call call) => new(
        call.Id,
        new AiCallPayload(call.ToNumber, call.AgentId, JsonValues.Parse(call.Metadata)),
        AiCallStatus.Of(call.State),
        call.State.ToWire(),
        call.Attempts,
        call.MaxAttempts,
        call.LastError,
        call.ProviderCallId ?? call.ConversationId,
        call.Provider ?? "elevenlabs",
        call.DurationSecs,
        call.CreatedAt,
        call.UpdatedAt,
        call.DialedAt,
        call.EndedAt,
        call.NextAttemptAt);
}

public sealed record AiCallEnvelope<T>(bool Success, T Data);

public sealed record AiCallPage(bool Success, IReadOnlyList<AiCallView> Data, Pagination Pagination);

public sealed record AiCallMetrics(bool Success, IReadOnlyDictionary<string, int> Data, DateTime Timestamp);

public sealed record AiCallListQuery(string? WorkspaceId, string? Status, int? Page, int? Limit);

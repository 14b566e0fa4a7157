using System.Text.Json;

namespace VoiceOrchestrator.Compat.SlotScheduler;

/// <summary><c>POST /enqueue-call</c> of the Voice Slot Scheduler: the ElevenLabs call payload and a priority (higher first).</summary>
public sealed record EnqueueCallRequest
{
    public string? WorkspaceId { get; init; }
    public EnqueueCallPayload? Payload { get; init; }
    public int? Priority { get; init; }
}

public sealed record EnqueueCallPayload
{
    public string? AgentId { get; init; }
    public string? AgentPhoneNumberId { get; init; }
    public string? ToNumber { get; init; }
    public string? FromNumber { get; init; }

    /// <summary>A flat object of values (becomes <c>dynamic_variables</c>) or a full <c>conversation_initiation_client_data</c> object.</summary>
    public JsonElement? ConversationInitiationClientData { get; init; }
}

/// <summary>The answer of <c>POST /enqueue-call</c>, in the original's shape.</summary>
public sealed record EnqueueCallResponse(bool Enqueued, Guid Id, int QueueSize);

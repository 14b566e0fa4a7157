using System.Text.Json;
using VoiceOrchestrator.Api;

namespace VoiceOrchestrator.Calls;

/// <summary>
/// <c>POST /calls/priority</c>. Both the newer <c>toNumber/fromNumber</c> and the older
/// <c>to/from</c> names are read; unknown fields are ignored so older clients keep working.
/// </summary>
public sealed record PriorityCallRequest
{
    public string? WorkspaceId { get; init; }
    public string? CampaignId { get; init; }
    public string? AgentId { get; init; }
    public string? AgentPhoneNumberId { get; init; }
    public string? ToNumber { get; init; }
    public string? To { get; init; }
    public string? FromNumber { get; init; }
    public string? From { get; init; }
    public JsonElement? Variables { get; init; }
    public JsonElement? Metadata { get; init; }
    public int? MachineDetectionTimeout { get; init; }
    public bool? EnableMachineDetection { get; init; }
    public int? Concurrency { get; init; }
    public int? Priority { get; init; }
}

/// <summary><c>POST /calls/bulk</c>: many calls, spread across the given agents.</summary>
public sealed record BulkCallRequest
{
    public string? WorkspaceId { get; init; }
    public string? CampaignId { get; init; }
    public List<BulkAgent?>? Agents { get; init; }
    public string? AgentId { get; init; }
    public string? AgentPhoneNumberId { get; init; }
    public string? FromNumber { get; init; }
    public string? From { get; init; }
    public JsonElement? Metadata { get; init; }
    public int? MachineDetectionTimeout { get; init; }
    public bool? EnableMachineDetection { get; init; }
    public int? Concurrency { get; init; }
    public int? Priority { get; init; }

    /// <summary>Accept the valid items and report the invalid ones, instead of refusing the whole request.</summary>
    public bool? SkipInvalid { get; init; }

    /// <summary>Keep repeated numbers within the request instead of dropping them.</summary>
    public bool? AllowDuplicates { get; init; }

    public List<BulkCallItem?>? Calls { get; init; }
}

public sealed record BulkAgent(string? AgentId, string? AgentPhoneNumberId, string? FromNumber);

public sealed record BulkCallItem
{
    public string? ToNumber { get; init; }
    public string? To { get; init; }
    public string? FromNumber { get; init; }

    // Kept as text: a bulk carries up to 100,000 of these, and they are stored as text.
    public RawJsonValue? Variables { get; init; }
    public RawJsonValue? Metadata { get; init; }
}

/// <summary><c>PATCH /calls/{id}</c>: changes to a call that is still queued.</summary>
public sealed record UpdateCallRequest
{
    public string? WorkspaceId { get; init; }
    public string? AgentId { get; init; }
    public string? AgentPhoneNumberId { get; init; }
    public string? ToNumber { get; init; }
    public string? To { get; init; }
    public string? FromNumber { get; init; }
    public string? From { get; init; }
    public JsonElement? Variables { get; init; }
    public JsonElement? Metadata { get; init; }
    public int? MachineDetectionTimeout { get; init; }
    public bool? EnableMachineDetection { get; init; }
    public int? Priority { get; init; }
    public DateTime? ScheduledAt { get; init; }
}

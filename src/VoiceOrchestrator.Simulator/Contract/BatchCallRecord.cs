using System.Text.Json;
using System.Text.Json.Serialization;

namespace VoiceOrchestrator.Simulator;

/// <summary>
/// A batch call as <c>GET /v1/convai/batch-calling/workspace</c> reports it (<c>BatchCallResponse</c>, §5).
/// Serialized in snake_case; everything has a default, so tests only state what matters to them
/// (typically <see cref="Status"/> and <see cref="TotalCallsDispatched"/>).
/// </summary>
public sealed record BatchCallRecord
{
    public string Id { get; init; } = "";
    public string PhoneNumberId { get; init; } = "phnum_simulated";
    public string PhoneProvider { get; init; } = "twilio";
    public string Name { get; init; } = "Simulated batch";
    public string AgentId { get; init; } = "agent_simulated";
    public string AgentName { get; init; } = "Simulated Agent";
    public long CreatedAtUnix { get; init; }
    public long ScheduledTimeUnix { get; init; }
    public long LastUpdatedAtUnix { get; init; }
    public int TotalCallsDispatched { get; init; }
    public int TotalCallsScheduled { get; init; }
    public int TotalCallsFinished { get; init; }

    /// <summary>pending | in_progress | completed | failed | cancelled.</summary>
    public string Status { get; init; } = "in_progress";

    public int RetryCount { get; init; }
    public IReadOnlyDictionary<string, JsonElement> TelephonyCallConfig { get; init; } = new Dictionary<string, JsonElement>();

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? TargetConcurrencyLimit { get; init; }

    internal BatchCallRecord WithDefaults(long nowUnix) => this with
    {
        Id = string.IsNullOrEmpty(Id) ? ProviderIds.NewBatchCallId() : Id,
        CreatedAtUnix = CreatedAtUnix == 0 ? nowUnix : CreatedAtUnix,
        ScheduledTimeUnix = ScheduledTimeUnix == 0 ? nowUnix : ScheduledTimeUnix,
        LastUpdatedAtUnix = LastUpdatedAtUnix == 0 ? nowUnix : LastUpdatedAtUnix,
        TelephonyCallConfig = TelephonyCallConfig ?? new Dictionary<string, JsonElement>(),
    };
}

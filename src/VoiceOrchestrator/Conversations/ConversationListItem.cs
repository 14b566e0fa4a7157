using System.Text.Json.Serialization;

namespace VoiceOrchestrator.Conversations;

/// <summary>One conversation in a listing: everything but the transcript and the raw provider blocks.</summary>
public sealed record ConversationListItem
{
    [JsonPropertyName("conversation_id")] public required string ConversationId { get; init; }
    [JsonPropertyName("call_id")] public Guid? CallId { get; init; }
    [JsonPropertyName("agent_id")] public string? AgentId { get; init; }
    [JsonPropertyName("caller_number")] public string? CallerNumber { get; init; }
    [JsonPropertyName("callee_number")] public string? CalleeNumber { get; init; }
    [JsonPropertyName("status")] public required string Status { get; init; }
    [JsonPropertyName("direction")] public string? Direction { get; init; }
    [JsonPropertyName("call_type")] public string? CallType { get; init; }
    [JsonPropertyName("started_at")] public DateTime? StartedAt { get; init; }
    [JsonPropertyName("ended_at")] public DateTime? EndedAt { get; init; }
    [JsonPropertyName("duration_secs")] public int? DurationSecs { get; init; }
    [JsonPropertyName("summary")] public string? Summary { get; init; }
    [JsonPropertyName("end_reason")] public string? EndReason { get; init; }
    [JsonPropertyName("has_recording")] public bool HasRecording { get; init; }
    [JsonPropertyName("synced_from_api")] public bool SyncedFromApi { get; init; }
    [JsonPropertyName("last_synced_at")] public DateTime? LastSyncedAt { get; init; }

    /// <summary><c>api</c> when this answer read it live from ElevenLabs, <c>database</c> when from the stored copy.</summary>
    [JsonPropertyName("source")] public string Source { get; init; } = ConversationSources.Database;

    public static ConversationListItem From(Conversation c, string source) => new()
    {
        ConversationId = c.ConversationId,
        CallId = c.CallId,
        AgentId = c.AgentId,
        CallerNumber = c.CallerNumber,
        CalleeNumber = c.CalleeNumber,
        Status = c.Status,
        Direction = c.Direction,
        CallType = c.CallType,
        StartedAt = c.StartedAt,
        EndedAt = c.EndedAt,
        DurationSecs = c.DurationSecs,
        Summary = c.Summary,
        EndReason = c.EndReason,
        HasRecording = c.HasRecording,
        SyncedFromApi = c.SyncedFromApi,
        LastSyncedAt = c.LastSyncedAt,
        Source = source,
    };

    /// <summary>Newest first; the conversation id breaks ties, as the index does.</summary>
    public static int NewestFirst(ConversationListItem a, ConversationListItem b)
    {
        var byStart = Nullable.Compare(b.StartedAt, a.StartedAt);
        return byStart != 0 ? byStart : string.CompareOrdinal(b.ConversationId, a.ConversationId);
    }
}

public static class ConversationSources
{
    public const string Api = "api";
    public const string Database = "database";
}

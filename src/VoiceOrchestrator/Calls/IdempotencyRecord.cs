namespace VoiceOrchestrator.Calls;

/// <summary>The first answer to a call-creating POST with an <c>Idempotency-Key</c>, replayed for 24 hours.</summary>
public sealed class IdempotencyRecord
{
    public required string WorkspaceId { get; set; }
    public required string Key { get; set; }
    public required string RequestHash { get; set; }
    public int StatusCode { get; set; }
    public required string ResponseBody { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime ExpiresAt { get; set; }
}

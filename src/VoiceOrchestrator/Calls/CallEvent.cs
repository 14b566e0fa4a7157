namespace VoiceOrchestrator.Calls;

/// <summary>One transition of a call, so its history can be read back.</summary>
public sealed class CallEvent
{
    public long Id { get; set; }
    public Guid CallId { get; set; }
    public CallState? FromState { get; set; }
    public CallState ToState { get; set; }
    public string? Reason { get; set; }
    public int Attempt { get; set; }
    public DateTime At { get; set; }
}

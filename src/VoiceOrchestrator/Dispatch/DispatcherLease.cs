namespace VoiceOrchestrator.Dispatch;

/// <summary>
/// The row that makes one instance the dispatcher. A plain row (not an advisory lock or LISTEN)
/// so that it also works behind PgBouncer in transaction mode.
/// </summary>
public sealed class DispatcherLease
{
    public required string Name { get; set; }
    public string? Holder { get; set; }
    public DateTime ExpiresAt { get; set; }
    public DateTime AcquiredAt { get; set; }

    /// <summary>Grows with every change of holder; a fencing token for the holder's writes.</summary>
    public long Generation { get; set; }
}

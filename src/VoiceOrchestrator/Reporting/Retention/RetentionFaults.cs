namespace VoiceOrchestrator.Reporting.Retention;

/// <summary>
/// A seam for proving that a day's roll-up and purge commit together: whatever runs here runs inside
/// the day's transaction after the roll-up and before the delete, and a throw rolls both back.
/// Nothing is set outside tests.
/// </summary>
public sealed class RetentionFaults
{
    public Func<DateOnly, Task>? AfterRollUp { get; set; }
}

namespace VoiceOrchestrator.Reporting.Retention;

/// <summary>What one retention run did.</summary>
public sealed record RetentionReport(DateOnly FirstKeptDay, IReadOnlyList<RetentionDay> Days, int ConversationsDeleted)
{
    public int CallsPurged => Days.Sum(d => d.CallsPurged);
}

/// <summary>One day rolled up and purged: how many calls left the raw table, how many events went with them, and how long it took.</summary>
public sealed record RetentionDay(DateOnly Day, int CallsPurged, int EventsDeleted, TimeSpan Elapsed);

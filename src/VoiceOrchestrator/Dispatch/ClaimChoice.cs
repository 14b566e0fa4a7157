namespace VoiceOrchestrator.Dispatch;

/// <summary>The calls a claim has chosen and reserved slots for, and the time the claim began (their <c>dialed_at</c> once committed).</summary>
public sealed record ClaimChoice(IReadOnlyList<Guid> CallIds, DateTime At)
{
    public int Count => CallIds.Count;
}

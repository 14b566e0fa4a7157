namespace VoiceOrchestrator.Calls;

/// <summary>Priority calls are claimed before bulk calls; the numeric order is the claim order.</summary>
public enum CallLane
{
    Priority = 0,
    Bulk = 1,
}

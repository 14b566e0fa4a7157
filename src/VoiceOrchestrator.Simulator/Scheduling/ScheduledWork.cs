namespace VoiceOrchestrator.Simulator;

internal enum WorkKind
{
    /// <summary>Ringing is over: the call is answered or fails.</summary>
    RingEnds,

    /// <summary>An answered call hangs up.</summary>
    CallEnds,

    /// <summary>A delayed webhook is due.</summary>
    WebhookDue,
}

internal readonly record struct ScheduledWork(WorkKind Kind, SimulatedConversation Conversation);

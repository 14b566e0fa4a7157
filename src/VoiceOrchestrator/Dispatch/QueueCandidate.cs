namespace VoiceOrchestrator.Dispatch;

/// <summary>A queued call as a claim first sees it: enough to pick it (its number may already be in a call), not the whole row.</summary>
public sealed record QueueCandidate(Guid Id, string WorkspaceId, string ToNumber);

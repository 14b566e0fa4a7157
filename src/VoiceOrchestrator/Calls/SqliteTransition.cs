namespace VoiceOrchestrator.Calls;

/// <summary>One transition for <see cref="SqliteTransitionWriter"/>: what <see cref="CallTransitions.ApplyAsync"/> was asked.</summary>
public sealed record SqliteTransition(Guid CallId, IReadOnlyCollection<CallState> From, CallState To, string Reason, CallChange Change, DateTime Now);

namespace VoiceOrchestrator.Calls;

/// <summary>One call transition as a batch takes it: from any of <see cref="From"/> to <see cref="To"/> at <see cref="Now"/>.</summary>
public sealed record PendingTransition(Guid CallId, IReadOnlyCollection<CallState> From, CallState To, string Reason, CallChange Change, DateTime Now);

namespace VoiceOrchestrator.Simulator;

/// <summary><c>WorkspaceBatchCallsResponse</c> (§5).</summary>
internal sealed record BatchCallPageModel(IReadOnlyList<BatchCallRecord> BatchCalls, string? NextDoc, bool HasMore);

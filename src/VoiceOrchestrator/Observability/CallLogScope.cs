namespace VoiceOrchestrator.Observability;

/// <summary>
/// The logging scope of work on one call: every line logged inside it, by any component, carries
/// <c>CallId</c>. Open it with <c>using var scope = logger.BeginCallScope(call.Id);</c>.
/// </summary>
public static class CallLogScope
{
    public static IDisposable? BeginCallScope(this ILogger logger, Guid callId) =>
        logger.BeginScope(new LogScope("CallId", callId));
}

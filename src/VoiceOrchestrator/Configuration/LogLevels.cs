namespace VoiceOrchestrator.Configuration;

/// <summary>Maps the LOG_LEVEL names of the Node.js systems (pino/winston) to .NET levels.</summary>
public static class LogLevels
{
    public static LogLevel? Parse(string name) => name.ToLowerInvariant() switch
    {
        "trace" or "verbose" => LogLevel.Trace,
        "debug" => LogLevel.Debug,
        "info" or "information" => LogLevel.Information,
        "warn" or "warning" => LogLevel.Warning,
        "error" => LogLevel.Error,
        "fatal" or "critical" => LogLevel.Critical,
        "silent" or "none" => LogLevel.None,
        _ => null,
    };
}

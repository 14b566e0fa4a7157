using System.Globalization;

namespace VoiceOrchestrator.Configuration;

/// <summary>
/// Binds <see cref="OrchestratorOptions"/> from configuration keys named as the environment
/// variables of the original systems. Every bad value is collected and reported by the name of
/// its variable, so one start-up attempt shows everything that needs fixing.
/// </summary>
public static class EnvironmentSettings
{
    public static OrchestratorOptions Load(IConfiguration configuration, bool isProduction)
    {
        var errors = new List<string>();
        var options = new OrchestratorOptions();

        options.ServicePort = Int(configuration, errors, ["SERVICE_PORT", "PORT"], options.ServicePort, 1, 65535);
        options.DatabaseUrl = Text(configuration, "DATABASE_URL");
        try
        {
            options.Database = DatabaseUrlParser.Parse(options.DatabaseUrl);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            errors.Add($"DATABASE_URL: {ex.Message}");
        }

        options.ElevenLabsApiKey = Text(configuration, "ELEVENLABS_API_KEY");
        options.ElevenLabsBaseUrl = Url(configuration, errors, "ELEVENLABS_BASE_URL") ?? options.ElevenLabsBaseUrl;
        options.ElevenLabsOutboundCallsPath = Text(configuration, "ELEVENLABS_OUTBOUND_CALLS_PATH") ?? options.ElevenLabsOutboundCallsPath;
        if (!options.ElevenLabsOutboundCallsPath.StartsWith('/'))
        {
            errors.Add("ELEVENLABS_OUTBOUND_CALLS_PATH: must start with '/', e.g. /v1/convai/sip-trunk/outbound-call");
        }

        options.ConcurrencyLimit = Int(configuration, errors, ["ELEVENLABS_CONCURRENCY_LIMIT", "MAX_CONCURRENT_CALLS"], options.ConcurrencyLimit, 1, 100_000);
        options.ElevenLabsWebhookSecret = Text(configuration, "ELEVENLABS_WEBHOOK_SECRET");
        // "default" polls the batch-calling list on ELEVENLABS_BASE_URL (the emulator's in demo mode).
        options.ElevenLabsActiveCallsUrl = Text(configuration, "ELEVENLABS_ACTIVE_CALLS_URL")?.ToLowerInvariant() is "default" or "true"
            ? "/v1/convai/batch-calling/workspace"
            : Url(configuration, errors, "ELEVENLABS_ACTIVE_CALLS_URL");
        if (Text(configuration, "ELEVENLABS_ACTIVE_STATUSES") is { } statuses)
        {
            options.ElevenLabsActiveStatuses = statuses.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (options.ElevenLabsActiveStatuses.Count == 0)
            {
                errors.Add("ELEVENLABS_ACTIVE_STATUSES: give at least one status, e.g. in_progress");
            }
        }

        switch (Text(configuration, "ELEVENLABS_ACTIVE_COUNT_STRATEGY")?.ToLowerInvariant())
        {
            case null or "dispatched":
                options.ElevenLabsActiveCountStrategy = ActiveCountStrategy.Dispatched;
                break;
            case "batches":
                options.ElevenLabsActiveCountStrategy = ActiveCountStrategy.Batches;
                break;
            default:
                errors.Add("ELEVENLABS_ACTIVE_COUNT_STRATEGY: expected 'dispatched' or 'batches'");
                break;
        }

        options.PollingIntervalMs = Int(configuration, errors, ["POLLING_INTERVAL_MS"], options.PollingIntervalMs, 100, 3_600_000);
        options.TwilioAccountSid = Text(configuration, "TWILIO_ACCOUNT_SID");
        options.TwilioAuthToken = Text(configuration, "TWILIO_AUTH_TOKEN");
        options.TwilioApiBaseUrl = Url(configuration, errors, "TWILIO_API_BASE_URL") ?? options.TwilioApiBaseUrl;
        options.TwilioFromFallback = Text(configuration, "TWILIO_FROM_FALLBACK");
        options.TwilioInsightsBaseUrl = Url(configuration, errors, "TWILIO_INSIGHTS_BASE_URL") ?? options.TwilioInsightsBaseUrl;
        if (options.TwilioFromFallback is { } fallback && !PhoneNumbers.IsE164(fallback))
        {
            errors.Add("TWILIO_FROM_FALLBACK: must be an E.164 number such as +14155550100");
        }

        options.PublicBaseUrl = Url(configuration, errors, "PUBLIC_BASE_URL");
        TwilioBridgeSettings.Load(configuration, options, errors, isProduction);
        options.CallsWorkerConcurrency = Int(configuration, errors, ["CALLS_WORKER_CONCURRENCY"], options.CallsWorkerConcurrency, 1, 10_000);
        options.MaxRetryAttempts = Int(configuration, errors, ["MAX_RETRY_ATTEMPTS"], options.MaxRetryAttempts, 1, 20);
        options.RetentionDays = Int(configuration, errors, ["RETENTION_DAYS"], options.RetentionDays, 1, 36_500);
        options.TranscriptRetentionDays = Int(configuration, errors, ["TRANSCRIPT_RETENTION_DAYS"], options.TranscriptRetentionDays, 0, 36_500);
        options.RetentionHourUtc = Int(configuration, errors, ["RETENTION_HOUR_UTC"], options.RetentionHourUtc, 0, 23);
        options.ElevenLabsPricePerMinute = Double(configuration, errors, "ELEVENLABS_PRICE_PER_MINUTE", options.ElevenLabsPricePerMinute, 0, 100);
        options.VoicemailSeconds = Int(configuration, errors, ["VOICEMAIL_SECONDS"], options.VoicemailSeconds, 0, 3_600);
        options.LogLevel = Text(configuration, "LOG_LEVEL")?.ToLowerInvariant() ?? options.LogLevel;
        if (LogLevels.Parse(options.LogLevel) is null)
        {
            errors.Add("LOG_LEVEL: expected one of trace, debug, info, warn, error, fatal");
        }

        options.AdminToken = Text(configuration, "ORCHESTRATOR_ADMIN_TOKEN");
        options.AiCallApiUrl = Url(configuration, errors, "AI_CALL_API_URL");
        options.AiCallApiKey = Text(configuration, "AI_CALL_API_KEY");
        if (Text(configuration, "AI_CALL_WORKSPACES") is { } aiCallWorkspaces)
        {
            options.AiCallWorkspaces = aiCallWorkspaces.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
            if (options.AiCallWorkspaces.Any(id => !Api.AdminWorkspacesApi.IsValidId(id)))
            {
                errors.Add("AI_CALL_WORKSPACES: a comma list of workspace ids (letters, digits, '_' or '-')");
            }
        }

        options.WebhookBaseUrl = Url(configuration, errors, "WEBHOOK_BASE_URL");
        options.WebhookSecret = Text(configuration, "WEBHOOK_SECRET");
        options.PriorityReservedShare = Double(configuration, errors, "PRIORITY_RESERVED_SHARE", options.PriorityReservedShare, 0, 0.9);
        options.DialsPerSecond = Double(configuration, errors, "DIALS_PER_SECOND", options.DialsPerSecond, 0, 10_000);
        options.DispatchPollMs = Int(configuration, errors, ["DISPATCH_POLL_MS"], options.DispatchPollMs, 10, 60_000);
        options.CallLeaseSeconds = Int(configuration, errors, ["CALL_LEASE_SECONDS"], options.CallLeaseSeconds, 1, 86_400);
        options.ElevenLabsTimeoutMs = Int(configuration, errors, ["ELEVENLABS_TIMEOUT_MS"], options.ElevenLabsTimeoutMs, 100, 600_000);
        options.DispatcherLeaseSeconds = Int(configuration, errors, ["DISPATCHER_LEASE_SECONDS"], options.DispatcherLeaseSeconds, 2, 3_600);
        options.MaxBulkCalls = Int(configuration, errors, ["MAX_BULK_CALLS"], options.MaxBulkCalls, 1, 1_000_000);
        options.ConversationsApiTimeoutMs = Int(configuration, errors, ["CONVERSATIONS_API_TIMEOUT_MS"], options.ConversationsApiTimeoutMs, 50, 60_000);
        OperationsSettings.Load(configuration, errors, options);

        options.DemoMode = options.ElevenLabsApiKey is null;
        if (options.AiCallWorkspaces.Count > 0 && options.AiCallApiUrl is null && !options.DemoMode)
        {
            errors.Add("AI_CALL_WORKSPACES: set AI_CALL_API_URL too; it names the provider those workspaces' calls go to");
        }

        if (options.DemoMode && options.AdminToken is null)
        {
            // Demo mode prints this token so that the admin routes can be tried without setup.
            options.AdminToken = "admin_" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        }

        if (options.DemoMode && options.EffectiveElevenLabsWebhookSecret is null)
        {
            // The in-process emulator signs its webhooks with this, exactly as ElevenLabs would.
            options.ElevenLabsWebhookSecret = "wsec_demo_" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        }

        if (isProduction && options.ElevenLabsApiKey is null)
        {
            errors.Add("ELEVENLABS_API_KEY: required in production (ASPNETCORE_ENVIRONMENT=Production); the emulator is only for demo mode");
        }

        if (errors.Count > 0)
        {
            throw new InvalidConfigurationException(errors);
        }

        return options;
    }

    internal static string? Text(IConfiguration configuration, string name)
    {
        var value = configuration[name];
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    internal static int Int(IConfiguration configuration, List<string> errors, string[] names, int fallback, int min, int max)
    {
        foreach (var name in names)
        {
            if (Text(configuration, name) is not { } raw)
            {
                continue;
            }

            if (!int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            {
                errors.Add($"{name}: expected a whole number from {min} to {max}, got '{raw}'");
                return fallback;
            }

            return value;
        }

        return fallback;
    }

    internal static double Double(IConfiguration configuration, List<string> errors, string name, double fallback, double min, double max)
    {
        if (Text(configuration, name) is not { } raw)
        {
            return fallback;
        }

        if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            errors.Add($"{name}: expected a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}, got '{raw}'");
            return fallback;
        }

        return value;
    }

    internal static string? Url(IConfiguration configuration, List<string> errors, string name)
    {
        if (Text(configuration, name) is not { } raw)
        {
            return null;
        }

        if (!Uri.TryCreate(raw, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add($"{name}: expected an absolute http(s) URL, got '{raw}'");
            return null;
        }

        return raw.TrimEnd('/');
    }
}

public sealed class InvalidConfigurationException(IReadOnlyList<string> problems)
    : Exception("Invalid configuration: " + string.Join("; ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

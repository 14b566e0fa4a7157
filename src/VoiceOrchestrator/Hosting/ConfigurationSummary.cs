using System.Globalization;
using Npgsql;
using VoiceOrchestrator.Configuration;

namespace VoiceOrchestrator.Hosting;

/// <summary>
/// The configuration in one line for the start-up log. Secrets (keys, tokens, passwords) are only
/// said to be set or not; the database shows its engine, host and name, never its password.
/// </summary>
public static class ConfigurationSummary
{
    public static string Describe(OrchestratorOptions settings)
    {
        var o = settings.Operations;
        var parts = new (string Name, string? Value)[]
        {
            ("port", settings.ServicePort.ToString(CultureInfo.InvariantCulture)),
            ("database", Database(settings.Database)),
            ("demo_mode", Flag(settings.DemoMode)),
            ("elevenlabs_base_url", settings.ElevenLabsBaseUrl),
            ("elevenlabs_api_key", Secret(settings.ElevenLabsApiKey)),
            ("elevenlabs_webhook_secret", Secret(settings.EffectiveElevenLabsWebhookSecret)),
            ("outbound_calls_path", settings.ElevenLabsOutboundCallsPath),
            ("concurrency_limit", Number(settings.ConcurrencyLimit)),
            ("priority_reserved_share", Number(settings.PriorityReservedShare)),
            ("dials_per_second", settings.DialsPerSecond > 0 ? Number(settings.DialsPerSecond) : "unlimited"),
            ("workers", Number(settings.CallsWorkerConcurrency)),
            ("max_retry_attempts", Number(settings.MaxRetryAttempts)),
            ("call_lease_seconds", Number(settings.CallLeaseSeconds)),
            ("dispatcher_lease_seconds", Number(settings.DispatcherLeaseSeconds)),
            ("retention_days", Number(settings.RetentionDays)),
            ("twilio_account_sid", Secret(settings.TwilioAccountSid)),
            ("twilio_auth_token", Secret(settings.TwilioAuthToken)),
            ("admin_token", Secret(settings.AdminToken)),
            ("rate_limit", o.RateLimitPerSecond > 0 ? $"{Number(o.RateLimitPerSecond)}/s burst {Number(o.RateLimitBurst)}" : "off"),
            ("metrics_token", Secret(o.MetricsToken)),
            ("otlp", o.OtlpEndpoint is { } endpoint ? $"{o.OtlpProtocol} {endpoint.GetLeftPart(UriPartial.Authority)}" : "off"),
            ("log_level", settings.LogLevel),
            ("log_phone_numbers", Flag(o.LogPhoneNumbers)),
        };
        return string.Join(", ", parts.Select(p => p.Name + "=" + p.Value));
    }

    private static string Database(DatabaseTarget database)
    {
        if (database.Provider == DatabaseProvider.Sqlite)
        {
            return "sqlite " + database.SqliteFilePath;
        }

        var builder = new NpgsqlConnectionStringBuilder(database.ConnectionString);
        return $"postgresql {builder.Host}:{builder.Port}/{builder.Database}";
    }

    private static string Secret(string? value) => value is null ? "unset" : "set";

    private static string Flag(bool value) => value ? "true" : "false";

    private static string Number(double value) => value.ToString(CultureInfo.InvariantCulture);
}

namespace VoiceOrchestrator.Configuration;

/// <summary>What an operator tunes about running the service: metrics, request limits, logs.</summary>
public sealed class OperationsOptions
{
    /// <summary>OTEL_EXPORTER_OTLP_ENDPOINT: push metrics over OTLP when set.</summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary>OTEL_EXPORTER_OTLP_PROTOCOL: grpc (default) or http/protobuf.</summary>
    public string OtlpProtocol { get; set; } = "grpc";

    /// <summary>METRICS_TOKEN: when set, /metrics wants it as a bearer token.</summary>
    public string? MetricsToken { get; set; }

    /// <summary>RATE_LIMIT_PER_SECOND: sustained requests per second per workspace on the public API; 0 turns limits off.</summary>
    public double RateLimitPerSecond { get; set; } = 2000;

    /// <summary>RATE_LIMIT_BURST: requests a workspace may send at once before the sustained rate applies.</summary>
    public int RateLimitBurst { get; set; } = 20_000;

    /// <summary>LOG_PHONE_NUMBERS: log phone numbers in full; by default all but the last 4 digits are masked.</summary>
    public bool LogPhoneNumbers { get; set; }
}

/// <summary>Reads <see cref="OperationsOptions"/> with the same rules and messages as <see cref="EnvironmentSettings"/>.</summary>
public static class OperationsSettings
{
    public static void Load(IConfiguration configuration, List<string> errors, OrchestratorOptions options)
    {
        var operations = options.Operations;
        if (EnvironmentSettings.Url(configuration, errors, "OTEL_EXPORTER_OTLP_ENDPOINT") is { } endpoint)
        {
            operations.OtlpEndpoint = new Uri(endpoint);
        }

        switch (EnvironmentSettings.Text(configuration, "OTEL_EXPORTER_OTLP_PROTOCOL")?.ToLowerInvariant())
        {
            case null:
                break;
            case "grpc" or "http/protobuf":
                operations.OtlpProtocol = EnvironmentSettings.Text(configuration, "OTEL_EXPORTER_OTLP_PROTOCOL")!.ToLowerInvariant();
                break;
            default:
                errors.Add("OTEL_EXPORTER_OTLP_PROTOCOL: expected 'grpc' or 'http/protobuf'");
                break;
        }

        operations.MetricsToken = EnvironmentSettings.Text(configuration, "METRICS_TOKEN");
        operations.RateLimitPerSecond = EnvironmentSettings.Double(configuration, errors, "RATE_LIMIT_PER_SECOND", operations.RateLimitPerSecond, 0, 1_000_000);
        operations.RateLimitBurst = EnvironmentSettings.Int(configuration, errors, ["RATE_LIMIT_BURST"], operations.RateLimitBurst, 1, 10_000_000);
        switch (EnvironmentSettings.Text(configuration, "LOG_PHONE_NUMBERS")?.ToLowerInvariant())
        {
            case null or "false" or "0" or "no":
                operations.LogPhoneNumbers = false;
                break;
            case "true" or "1" or "yes":
                operations.LogPhoneNumbers = true;
                break;
            default:
                errors.Add("LOG_PHONE_NUMBERS: expected true or false");
                break;
        }
    }
}

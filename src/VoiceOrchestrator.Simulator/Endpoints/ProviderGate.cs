using Microsoft.AspNetCore.Http;

namespace VoiceOrchestrator.Simulator;

/// <summary>What every <c>/v1</c> request passes first: the configured latency, then the <c>xi-api-key</c> check.</summary>
internal static class ProviderGate
{
    public const string ApiKeyHeader = "xi-api-key";

    /// <summary>Null when the request may proceed, otherwise the response to send.</summary>
    public static async Task<IResult?> EnterAsync(HttpContext context, SimulatorOptions options)
    {
        if (options.ResponseLatencyMs > 0)
        {
            await Task.Delay(options.ResponseLatencyMs, context.RequestAborted);
        }

        var key = context.Request.Headers[ApiKeyHeader].ToString();
        var authorized = key.Length > 0 && (options.ApiKey is null || string.Equals(key, options.ApiKey, StringComparison.Ordinal));
        return authorized ? null : ElevenLabsErrors.InvalidApiKey();
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using VoiceOrchestrator.Providers.ElevenLabs;

namespace VoiceOrchestrator.Providers.GenericProvider;

/// <summary>
/// Typed client for the generic provider: <c>POST AI_CALL_API_URL {to, scriptId, webhookUrl, metadata}</c>
/// with <c>Authorization: Bearer AI_CALL_API_KEY</c>, answered <c>202 {callId}</c>. Sent exactly once,
/// like every call-creating request; the answer is classified as for ElevenLabs (<see cref="DialOutcome"/>).
/// </summary>
public sealed class GenericProviderClient(HttpClient http, ILogger<GenericProviderClient> logger)
{
    public async Task<DialOutcome> PlaceCallAsync(string to, string scriptId, string webhookUrl, JsonNode? metadata, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["to"] = to,
            ["scriptId"] = scriptId,
            ["webhookUrl"] = webhookUrl,
            ["metadata"] = metadata ?? new JsonObject(),
        };

        HttpResponseMessage response;
        try
        {
            // The configured URL is the endpoint itself: no path is added.
            response = await http.PostAsJsonAsync("", body, cancellationToken);
        }
        catch (HttpRequestException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostNotFound or SocketError.HostUnreachable or SocketError.NetworkUnreachable })
        {
            return new DialOutcome(DialOutcomeKind.NotDialed, Message: ex.Message);
        }
        catch (HttpRequestException ex)
        {
            return new DialOutcome(DialOutcomeKind.Ambiguous, Message: ex.Message);
        }
        catch (OperationCanceledException ex)
        {
            return new DialOutcome(DialOutcomeKind.Ambiguous, Message: cancellationToken.IsCancellationRequested ? "cancelled while the request was in flight" : "timed out: " + ex.Message);
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            var text = await response.Content.ReadAsStringAsync(CancellationToken.None);
            if (response.IsSuccessStatusCode)
            {
                return CallId(text) is { } callId
                    ? new DialOutcome(DialOutcomeKind.Accepted, ProviderCallId: callId, StatusCode: status)
                    : new DialOutcome(DialOutcomeKind.Ambiguous, StatusCode: status, Message: "success without a callId");
            }

            var (code, message) = ElevenLabsClient.ReadDetail(text);
            var retryAfter = response.Headers.RetryAfter?.Delta;
            if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable)
            {
                return new DialOutcome(DialOutcomeKind.Capacity, StatusCode: status, ErrorCode: code, Message: message, RetryAfter: retryAfter);
            }

            if (status is >= 400 and < 500 && status != 408)
            {
                logger.LogWarning("The generic provider refused a call: HTTP {Status} {Message}", status, message);
                return new DialOutcome(DialOutcomeKind.Refused, StatusCode: status, ErrorCode: code ?? "generic_provider_refused", Message: message);
            }

            return new DialOutcome(DialOutcomeKind.Ambiguous, StatusCode: status, ErrorCode: code, Message: message);
        }
    }

    private static string? CallId(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            foreach (var name in new[] { "callId", "id" })
            {
                if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty(name, out var value))
                {
                    return value.ValueKind switch
                    {
                        JsonValueKind.String when value.GetString() is { Length: > 0 } id => id,
                        JsonValueKind.Number => value.GetRawText(),
                        _ => null,
                    };
                }
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }
}

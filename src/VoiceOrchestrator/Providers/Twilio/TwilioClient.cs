using System.Net;
using System.Text.Json;
using VoiceOrchestrator.Providers.ElevenLabs;

namespace VoiceOrchestrator.Providers.Twilio;

/// <summary>The answer to an update of a live call (redirect or hang-up).</summary>
public sealed record TwilioUpdateResult(bool Succeeded, int? StatusCode, int? Code, string? Message);

/// <summary>
/// Twilio Programmable Voice REST client (contract twilio.md §1–3): HTTP Basic auth with the account SID and auth
/// token, form-encoded bodies with repeated keys for arrays, JSON answers. Like the ElevenLabs client it never
/// repeats a call-creating POST by itself.
/// </summary>
public sealed class TwilioClient(HttpClient http, ILogger<TwilioClient> logger)
{
    public const string ApiVersionPath = "2010-04-01/Accounts/";

    public async Task<DialOutcome> CreateCallAsync(string accountSid, IEnumerable<KeyValuePair<string, string>> form, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsync(CallsPath(accountSid) + ".json", new FormUrlEncodedContent(form), cancellationToken);
        }
        catch (HttpRequestException ex) when (ElevenLabsClient.NeverConnected(ex))
        {
            return new DialOutcome(DialOutcomeKind.NotDialed, Message: ex.Message);
        }
        catch (HttpRequestException ex)
        {
            return new DialOutcome(DialOutcomeKind.Ambiguous, Message: ex.Message);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            return new DialOutcome(DialOutcomeKind.Ambiguous, Message: "timed out: " + ex.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new DialOutcome(DialOutcomeKind.Ambiguous, Message: "cancelled while the request was in flight");
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            var text = await ReadAsync(response, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return Text(text, "sid") is { } sid
                    ? new DialOutcome(DialOutcomeKind.Accepted, ProviderCallId: sid, StatusCode: status)
                    : new DialOutcome(DialOutcomeKind.Ambiguous, StatusCode: status, Message: "unreadable success body");
            }

            var (code, message) = Error(text);
            var errorCode = code is { } number ? "twilio_" + number : null;
            // 20429 "is never processed and is always safe to retry" (contract §2.4).
            if (status == 429)
            {
                return new DialOutcome(DialOutcomeKind.Capacity, StatusCode: status, ErrorCode: errorCode, Message: message);
            }

            if (status is >= 400 and < 500 && status != 408)
            {
                logger.LogWarning("Twilio refused a call: HTTP {Status} {Code} {Message}", status, code, message);
                return new DialOutcome(DialOutcomeKind.Refused, StatusCode: status, ErrorCode: errorCode, Message: message);
            }

            return new DialOutcome(DialOutcomeKind.Ambiguous, StatusCode: status, ErrorCode: errorCode, Message: message);
        }
    }

    /// <summary><c>POST …/Calls/{Sid}.json</c>: redirect (<c>Twiml</c>/<c>Url</c>) or end (<c>Status</c>) a live call.</summary>
    public async Task<TwilioUpdateResult> UpdateCallAsync(string accountSid, string callSid, IEnumerable<KeyValuePair<string, string>> form, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.PostAsync(CallsPath(accountSid) + "/" + Uri.EscapeDataString(callSid) + ".json", new FormUrlEncodedContent(form), cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return new TwilioUpdateResult(true, (int)response.StatusCode, null, null);
            }

            var (code, message) = Error(await ReadAsync(response, cancellationToken));
            return new TwilioUpdateResult(false, (int)response.StatusCode, code, message);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new TwilioUpdateResult(false, null, null, ex.Message);
        }
    }

    /// <summary>The call resource, or null when Twilio does not know the SID.</summary>
    public async Task<JsonElement?> GetCallAsync(string accountSid, string callSid, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(CallsPath(accountSid) + "/" + Uri.EscapeDataString(callSid) + ".json", cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken)).RootElement.Clone();
    }

    /// <summary>The newest calls to one number (first page), for finding a call whose create answer was lost.</summary>
    public async Task<IReadOnlyList<JsonElement>> ListCallsToAsync(string accountSid, string to, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(CallsPath(accountSid) + ".json?PageSize=50&To=" + Uri.EscapeDataString(to), cancellationToken);
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return document.RootElement.TryGetProperty("calls", out var calls) && calls.ValueKind == JsonValueKind.Array
            ? [.. calls.EnumerateArray().Select(c => c.Clone())]
            : [];
    }

    internal static string? Text(string json, string name)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty(name, out var value)
                && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Twilio's error body: <c>{code, message, more_info, status}</c> with a numeric code.</summary>
    private static (int? Code, string? Message) Error(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, json.Length <= 300 ? json : json[..300]);
            }

            int? code = root.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.Number && c.TryGetInt32(out var n) ? n : null;
            var message = root.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            return (code, message);
        }
        catch (JsonException)
        {
            return (null, json.Length <= 300 ? json : json[..300]);
        }
    }

    private static string CallsPath(string accountSid) => ApiVersionPath + Uri.EscapeDataString(accountSid) + "/Calls";

    private static async Task<string> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (HttpRequestException)
        {
            return "";
        }
    }
}

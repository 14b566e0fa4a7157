using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace VoiceOrchestrator.Providers.ElevenLabs;

/// <summary>
/// Typed client for the ElevenLabs Agents API. A call-creating POST is sent exactly once: there is
/// no retry handler on this client, because the API takes no idempotency key and a replayed POST
/// can ring the same person twice. Whether to try again is the dispatcher's decision.
/// </summary>
public sealed partial class ElevenLabsClient(HttpClient http, ILogger<ElevenLabsClient> logger)
{
    public const string ApiKeyHeader = "xi-api-key";

    public async Task<DialOutcome> PlaceOutboundCallAsync(string path, OutboundCallRequest request, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["agent_id"] = request.AgentId,
            ["agent_phone_number_id"] = request.AgentPhoneNumberId,
            ["to_number"] = request.ToNumber,
        };
        if (request.ConversationInitiationClientData is { } clientData)
        {
            body["conversation_initiation_client_data"] = clientData;
        }

        HttpResponseMessage response;
        try
        {
            response = await http.PostAsJsonAsync(path.TrimStart('/'), body, cancellationToken);
        }
        catch (HttpRequestException ex) when (NeverConnected(ex))
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
            // Shutting down mid-request: the request may have reached the provider.
            return new DialOutcome(DialOutcomeKind.Ambiguous, Message: "cancelled while the request was in flight");
        }

        using (response)
        {
            return await ClassifyAsync(response, cancellationToken);
        }
    }

    /// <summary>One page of conversations, newest first (contract §6).</summary>
    public async Task<ConversationPage> ListConversationsAsync(
        string? agentId, long? startedAfterUnix, long? startedBeforeUnix, string? userId, string? cursor, int pageSize, CancellationToken cancellationToken,
        bool includeSummary = false)
    {
        var query = new List<string> { $"page_size={Math.Clamp(pageSize, 1, 100)}" };
        if (includeSummary)
        {
            query.Add("summary_mode=include");
        }

        AddQuery(query, "agent_id", agentId);
        AddQuery(query, "call_start_after_unix", startedAfterUnix?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        AddQuery(query, "call_start_before_unix", startedBeforeUnix?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        AddQuery(query, "user_id", userId);
        AddQuery(query, "cursor", cursor);
        // Read whole before parsing, as the other reads are: a connection lost midway then always fails as an
        // HttpRequestException. Parsed from the stream, it surfaced now and then as an IOException, which callers
        // took for a fault of the service (a 500 from a manual sync) rather than the provider's.
        using var response = await http.GetAsync("v1/convai/conversations?" + string.Join('&', query), cancellationToken);
        response.EnsureSuccessStatusCode();
        var page = await response.Content.ReadFromJsonAsync<ConversationPage>(ElevenLabsWire.Json, cancellationToken);
        return page ?? new ConversationPage([], false, null);
    }

    /// <summary>One conversation in full (contract §7), or null when the provider does not know it.</summary>
    public async Task<JsonElement?> GetConversationAsync(string conversationId, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync("v1/convai/conversations/" + Uri.EscapeDataString(conversationId), cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
    }

    private async Task<DialOutcome> ClassifyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var text = await SafeReadAsync(response, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            OutboundCallResponse? parsed = null;
            try
            {
                parsed = JsonSerializer.Deserialize<OutboundCallResponse>(text, ElevenLabsWire.Json);
            }
            catch (JsonException)
            {
                // A 2xx we cannot read may still have placed the call.
            }

            if (parsed is null)
            {
                return new DialOutcome(DialOutcomeKind.Ambiguous, StatusCode: status, Message: "unreadable success body");
            }

            if (parsed.Success)
            {
                return new DialOutcome(DialOutcomeKind.Accepted, parsed.ConversationId, parsed.CallSid ?? parsed.SipCallId, status);
            }

            // success:false is how some capacity refusals arrive (contract §9); other messages are refusals.
            var capacity = parsed.Message is { } message
                && (message.Contains("concurren", StringComparison.OrdinalIgnoreCase) || message.Contains("limit", StringComparison.OrdinalIgnoreCase)
                    || message.Contains("busy", StringComparison.OrdinalIgnoreCase));
            return new DialOutcome(capacity ? DialOutcomeKind.Capacity : DialOutcomeKind.Refused, parsed.ConversationId, StatusCode: status, Message: parsed.Message);
        }

        var (code, detailMessage) = ReadDetail(text);
        var retryAfter = RetryAfter(response);
        if (status == 429 || (status == 503 && code is "system_busy"))
        {
            return new DialOutcome(DialOutcomeKind.Capacity, StatusCode: status, ErrorCode: code, Message: detailMessage, RetryAfter: retryAfter);
        }

        if (status is >= 400 and < 500 && status != 408)
        {
            logger.LogWarning("ElevenLabs refused an outbound call: HTTP {Status} {Code} {Message}", status, code, detailMessage);
            return new DialOutcome(DialOutcomeKind.Refused, StatusCode: status, ErrorCode: code, Message: detailMessage);
        }

        return new DialOutcome(DialOutcomeKind.Ambiguous, StatusCode: status, ErrorCode: code, Message: detailMessage, RetryAfter: retryAfter);
    }

    /// <summary>Reads <c>detail.code ?? detail.status</c> and the message from either error shape (contract §1).</summary>
    internal static (string? Code, string? Message) ReadDetail(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            if (!document.RootElement.TryGetProperty("detail", out var detail))
            {
                return (null, Truncate(text));
            }

            return detail.ValueKind switch
            {
                JsonValueKind.String => (null, detail.GetString()),
                JsonValueKind.Object => (
                    Text(detail, "code") ?? Text(detail, "status"),
                    Text(detail, "message")),
                JsonValueKind.Array => ("validation_error", Truncate(detail.GetRawText())),
                _ => (null, Truncate(text)),
            };
        }
        catch (JsonException)
        {
            return (null, Truncate(text));
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        if (response.Headers.RetryAfter is not { } retryAfter)
        {
            return null;
        }

        if (retryAfter.Delta is { } delta)
        {
            return delta;
        }

        return retryAfter.Date is { } date ? date - DateTimeOffset.UtcNow : null;
    }

    /// <summary>Errors raised before any byte of the request could reach the provider.</summary>
    internal static bool NeverConnected(HttpRequestException ex) =>
        ex.HttpRequestError is HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError
        && ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostNotFound or SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.TryAgain };

    private static async Task<string> SafeReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
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

    private static void AddQuery(List<string> query, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            query.Add($"{name}={Uri.EscapeDataString(value)}");
        }
    }

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300];
}

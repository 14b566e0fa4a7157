using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace VoiceOrchestrator.Simulator;

/// <summary>A call the emulated generic provider accepted, and how it ended.</summary>
public sealed record GenericCallRecord(string CallId, string To, string ScriptId, string WebhookUrl, JsonElement? Metadata, DateTimeOffset AcceptedAt)
{
    public string? Status { get; internal set; }
    public DateTimeOffset? CompletedAt { get; internal set; }
    public int? CallbackStatusCode { get; internal set; }
}

/// <summary>
/// The emulated generic "AI call API" of the AI Call Orchestrator (design §5): accepts
/// <c>{to, scriptId, webhookUrl, metadata}</c> with <c>202 {callId}</c>, and after the ring and call time
/// POSTs <c>{callId, status, durationSec, completedAt}</c> to <c>webhookUrl</c>, signed with
/// <c>X-Webhook-Signature: sha256=&lt;hex HMAC-SHA256 of the raw body&gt;</c>. It shares the ElevenLabs
/// emulator's concurrency limit setting (429 past it) and per-number outcomes.
/// </summary>
public sealed class GenericProviderState
{
    public const string SignatureHeader = "X-Webhook-Signature";

    private readonly ConcurrentDictionary<string, GenericCallRecord> _calls = new();
    // Shared by every emulator in a process: callbacks are few, and nothing then needs disposing.
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly Lock _gate = new();
    private int _active;
    private int _maxConcurrency;

    public int ActiveCalls => Volatile.Read(ref _active);

    /// <summary>The most generic calls that were on at once.</summary>
    public int MaxConcurrency => Volatile.Read(ref _maxConcurrency);

    public IReadOnlyList<GenericCallRecord> Calls => [.. _calls.Values.OrderBy(c => c.AcceptedAt)];

    /// <summary>Takes a slot under the limit; false when the workspace is full.</summary>
    internal bool TryStart(int limit)
    {
        lock (_gate)
        {
            if (_active >= limit)
            {
                return false;
            }

            _active++;
            _maxConcurrency = Math.Max(_maxConcurrency, _active);
            return true;
        }
    }

    internal void Accept(GenericCallRecord call, SimulatorOptions options, ILogger logger)
    {
        _calls[call.CallId] = call;
        var outcome = options.NumberOutcomes.TryGetValue(call.To, out var fixedOutcome) ? fixedOutcome : CallOutcome.Answered;
        var talked = outcome == CallOutcome.Answered ? options.CallDurationMs : 0;
        _ = Task.Run(async () =>
        {
            await Task.Delay(options.RingMs + talked);
            lock (_gate)
            {
                _active--;
            }

            call.Status = outcome switch
            {
                CallOutcome.Answered => "COMPLETED",
                CallOutcome.Busy => "BUSY",
                CallOutcome.NoAnswer => "NO_ANSWER",
                _ => "FAILED",
            };
            call.CompletedAt = DateTimeOffset.UtcNow;
            await Task.Delay(options.WebhookDelayMs);
            await SendCallbackAsync(call, talked / 1000.0, options.GenericWebhookSecret ?? options.WebhookSecret, logger);
        });
    }

    public static string Sign(string secret, byte[] body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    private async Task SendCallbackAsync(GenericCallRecord call, double durationSec, string? secret, ILogger logger)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new
        {
            callId = call.CallId,
            status = call.Status,
            durationSec = Math.Round(durationSec, 3),
            completedAt = call.CompletedAt,
        });
        using var request = new HttpRequestMessage(HttpMethod.Post, call.WebhookUrl) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        if (secret is not null)
        {
            request.Headers.Add(SignatureHeader, Sign(secret, body));
        }

        try
        {
            using var response = await Http.SendAsync(request);
            call.CallbackStatusCode = (int)response.StatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            logger.LogWarning("Generic provider callback to {Url} failed: {Error}", call.WebhookUrl, ex.Message);
        }
    }
}

using System.Text.Json;
using Microsoft.Extensions.Options;
using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Conversations;
using VoiceOrchestrator.Dispatch;
using VoiceOrchestrator.Observability;
using VoiceOrchestrator.Providers.ElevenLabs;

namespace VoiceOrchestrator.Api;

/// <summary>
/// ElevenLabs post-call webhooks. The signature is checked over the raw body; a bad one is 401
/// and changes nothing. Unknown calls, duplicates and other event types answer 200 so that the
/// provider does not retry them (and does not disable the webhook).
/// </summary>
public static class ElevenLabsWebhookApi
{
    public static IEndpointRouteBuilder MapElevenLabsWebhookApi(this IEndpointRouteBuilder app)
    {
        foreach (var route in new[] { "/webhooks/elevenlabs", "/webhook/elevenlabs" })
        {
            app.MapPost(route, ReceiveAsync)
                .AllowAnonymous()
                .WithTags("Webhooks")
                .WithSummary("ElevenLabs post-call webhook (post_call_transcription, call_initiation_failure), signed with ElevenLabs-Signature.")
                .WithDescription("The Slot Scheduler's {conversation_id|callSid|callId, status} body is accepted too: unsigned only while no webhook secret is configured.")
                .AddEndpointFilter(new WebhookMetricsFilter("elevenlabs"))
                .Produces<WebhookReceipt>(StatusCodes.Status200OK).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status400BadRequest);
        }

        return app;
    }

    public static async Task<IResult> ReceiveAsync(
        HttpContext http, ProviderEventHandler handler, IOptions<OrchestratorOptions> options, TimeProvider clock, ILogger<ProviderEventHandler> logger, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, cancellationToken);
        // The buffer itself, not a copy: a transcript's body is several kilobytes, and a wave of webhooks arrives at once.
        var body = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);

        if (options.Value.EffectiveElevenLabsWebhookSecret is { } secret)
        {
            var problem = ElevenLabsSignature.Verify(http.Request.Headers[ElevenLabsSignature.HeaderName], secret, body.Span, clock.GetUtcNow());
            if (problem is not null)
            {
                logger.LogWarning("ElevenLabs webhook refused: {Problem}", problem);
                return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Invalid signature", detail: problem);
            }
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return Problems.Field("body", "The webhook body is not JSON.");
        }

        // Read in place until the answer: what outlives the request (an event parked for its dial) is cloned where it is kept.
        using var parsed = document;
        var root = document.RootElement;

        if (Compat.SlotScheduler.SlotReleaseWebhook.Matches(root))
        {
            // The Slot Scheduler's body. With a secret configured it got here only with a valid signature;
            // unsigned, it is accepted only while no secret is configured.
            return await Compat.SlotScheduler.SlotReleaseWebhook.HandleAsync(root, http.RequestServices, logger, cancellationToken);
        }

        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("type", out var typeElement) || typeElement.ValueKind != JsonValueKind.String
            || !root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object)
        {
            return Problems.Field("type", "Expected {\"type\": …, \"data\": {…}}.");
        }

        var result = await handler.HandleAsync(typeElement.GetString()!, data, cancellationToken);
        if (typeElement.GetString() == ProviderEventHandler.Transcription)
        {
            // After the call's own handling, so that keeping the transcript never delays a freed slot.
            await http.RequestServices.GetRequiredService<ConversationWebhookRecorder>().RecordAsync(data, cancellationToken);
        }

        return TypedResults.Ok(new WebhookReceipt(true, result.ToString().ToLowerInvariant()));
    }
}

/// <summary>What a webhook answer says: received, and what became of the event (applied, ignored, unknowncall).</summary>
public sealed record WebhookReceipt(bool Received, string Result);

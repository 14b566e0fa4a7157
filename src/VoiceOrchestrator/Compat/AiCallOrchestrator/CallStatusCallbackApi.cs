using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VoiceOrchestrator.Api;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Observability;
using VoiceOrchestrator.Providers.GenericProvider;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Compat.AiCallOrchestrator;

/// <summary>
/// <c>POST /api/v1/callbacks/call-status</c>: the generic provider's <c>{callId, status, durationSec, completedAt}</c>.
/// With WEBHOOK_SECRET set, the body must carry <see cref="GenericProviderSignature.HeaderName"/>; a bad or missing
/// signature is 401 and changes nothing. An unknown call is 200 (the provider must not retry forever); a final status
/// ends the call and frees its slot; duplicates and late callbacks change nothing.
/// </summary>
public static class CallStatusCallbackApi
{
    private static readonly CallState[] Open = [CallState.Dialing, CallState.Ringing, CallState.InProgress, CallState.Expired];
    private static readonly CallState[] BeforeAnswer = [CallState.Dialing, CallState.Ringing];

    /// <summary>A callback can overtake the record of its own dial's 202; look again this many times, 250 ms apart.</summary>
    private const int UnknownCallPolls = 12;

    public static IEndpointRouteBuilder MapCallStatusCallbackApi(this IEndpointRouteBuilder app)
    {
        app.MapPost(GenericProvider.CallbackPath, ReceiveAsync)
            .AllowAnonymous()
            .WithTags("Webhooks")
            .WithSummary("Generic provider status callback {callId, status, durationSec, completedAt}, signed with X-Webhook-Signature: sha256=HMAC-SHA256(WEBHOOK_SECRET, raw body).")
            .AddEndpointFilter(new WebhookMetricsFilter("generic"))
            .Produces<VoiceOrchestrator.Api.WebhookReceipt>(StatusCodes.Status200OK).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesValidationProblem();
        return app;
    }

    public static async Task<IResult> ReceiveAsync(
        HttpContext http, OrchestratorDbContext db, CallTransitions transitions, IOptions<OrchestratorOptions> options, TimeProvider clock,
        ILogger<CallStatusCallback> logger, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, cancellationToken);
        var body = buffer.ToArray();
        if (options.Value.WebhookSecret is { } secret
            && GenericProviderSignature.Verify(http.Request.Headers[GenericProviderSignature.HeaderName], secret, body) is { } problem)
        {
            logger.LogWarning("Generic provider callback refused: {Problem}", problem);
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Invalid signature", detail: problem);
        }

        CallStatusCallback? callback;
        try
        {
            callback = JsonSerializer.Deserialize<CallStatusCallback>(body, JsonSerializerOptions.Web);
        }
        catch (JsonException)
        {
            return Problems.Field("body", "Expected JSON {callId, status, durationSec, completedAt}.");
        }

        var errors = new ValidationErrors();
        if (string.IsNullOrWhiteSpace(callback?.CallId))
        {
            errors.Add("callId", "Required: the provider's call id.");
        }

        var target = callback?.Status is { } status ? TargetState(status) : null;
        if (callback?.Status is null)
        {
            errors.Add("status", "Required, e.g. COMPLETED, FAILED, BUSY, NO_ANSWER, IN_PROGRESS.");
        }

        if (callback?.DurationSec is < 0 or > 604_800)
        {
            errors.Add("durationSec", "Must be from 0 to 604800 seconds.");
        }

        if (!errors.IsEmpty)
        {
            return errors.ToResult();
        }

        if (target is null)
        {
            return TypedResults.Ok(new { received = true, result = "ignored" });
        }

        var callId = await FindAsync(db, callback!.CallId!, cancellationToken);
        for (var poll = 0; callId is null && poll < UnknownCallPolls; poll++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250), clock, cancellationToken);
            callId = await FindAsync(db, callback.CallId!, cancellationToken);
        }

        if (callId is null)
        {
            logger.LogInformation("Generic provider callback for unknown call {CallId}", callback.CallId);
            return TypedResults.Ok(new { received = true, result = "unknowncall" });
        }

        var now = clock.GetUtcNow().UtcDateTime;
        TransitionResult result;
        if (!target.Value.IsTerminal())
        {
            result = await transitions.ApplyAsync(callId.Value, BeforeAnswer, target.Value, "callback:call_status", new CallChange
            {
                AnsweredAt = now,
                Lease = new(now.AddSeconds(options.Value.CallLeaseSeconds)),
            }, cancellationToken);
        }
        else
        {
            result = await transitions.ApplyAsync(callId.Value, Open, target.Value, "callback:call_status", new CallChange
            {
                DurationSecs = callback.DurationSec is { } seconds ? (int)Math.Round(seconds) : null,
                FailureReason = target == CallState.Completed ? null : callback.Status!.ToLowerInvariant(),
                Ended = true,
                Lease = Settable<DateTime>.Clear,
            }, cancellationToken);
        }

        return TypedResults.Ok(new { received = true, result = result == TransitionResult.Applied ? "applied" : "ignored" });
    }

    /// <summary>The provider's statuses, in either case and with '-' or '_'.</summary>
    private static CallState? TargetState(string status) => status.Trim().Replace('-', '_').ToUpperInvariant() switch
    {
        "COMPLETED" or "SUCCESS" or "DONE" => CallState.Completed,
        "FAILED" or "ERROR" => CallState.Failed,
        "BUSY" => CallState.Busy,
        "NO_ANSWER" or "NOANSWER" => CallState.NoAnswer,
        "CANCELLED" or "CANCELED" => CallState.Cancelled,
        "EXPIRED" => CallState.Expired,
        "IN_PROGRESS" or "ANSWERED" => CallState.InProgress,
        _ => null,
    };

    private static Task<Guid?> FindAsync(OrchestratorDbContext db, string providerCallId, CancellationToken cancellationToken) =>
        db.Calls.Where(c => c.ProviderCallId == providerCallId && c.Provider == GenericProvider.Name)
            .OrderByDescending(c => c.CreatedAt).Select(c => (Guid?)c.Id).FirstOrDefaultAsync(cancellationToken);
}

/// <summary>The generic provider's callback body.</summary>
public sealed record CallStatusCallback(string? CallId, string? Status, double? DurationSec, DateTimeOffset? CompletedAt);

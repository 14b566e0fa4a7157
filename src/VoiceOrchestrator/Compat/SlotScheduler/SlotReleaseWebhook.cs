using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Api;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Compat.SlotScheduler;

/// <summary>
/// The Voice Slot Scheduler's own webhook body on <c>POST /webhook/elevenlabs</c>:
/// <c>{"conversation_id"|"callSid"|"callId": "…", "status": "completed|failed|cancelled"}</c>. A final
/// status ends the call and releases its slot; other statuses are acknowledged and change nothing.
/// It carries no signature, so it is accepted only while no webhook secret is configured (the route
/// checks that before handing the body here).
/// </summary>
public static class SlotReleaseWebhook
{
    private static readonly string[] IdFields = ["conversation_id", "conversationId", "callSid", "call_sid", "callId", "call_id"];
    private static readonly CallState[] Open = [CallState.Dialing, CallState.Ringing, CallState.InProgress];

    /// <summary>True for a body in this shape (an object with one of the id fields and no ElevenLabs <c>type</c>).</summary>
    public static bool Matches(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && !root.TryGetProperty("type", out _) && IdFields.Any(f => root.TryGetProperty(f, out _));

    public static async Task<IResult> HandleAsync(JsonElement root, IServiceProvider services, ILogger logger, CancellationToken cancellationToken)
    {
        var (field, id) = IdFields.Select(f => (f, Text(root, f))).FirstOrDefault(p => p.Item2 is not null);
        if (id is null)
        {
            return Problems.Field("conversation_id", "Give conversation_id, callSid or callId as a non-empty string.");
        }

        var status = Text(root, "status")?.ToLowerInvariant();
        if (status is null)
        {
            return Problems.Field("status", "Required: completed, failed or cancelled.");
        }

        CallState? to = status switch
        {
            "completed" or "done" => CallState.Completed,
            "failed" => CallState.Failed,
            "cancelled" or "canceled" => CallState.Cancelled,
            _ => null,
        };
        if (to is null)
        {
            return TypedResults.Ok(new { received = true, result = "ignored" });
        }

        var db = services.GetRequiredService<OrchestratorDbContext>();
        var callId = await FindAsync(db, field!, id, cancellationToken);
        if (callId is null)
        {
            logger.LogInformation("Slot release webhook for unknown call {Field}={Id}", field, id);
            return TypedResults.Ok(new { received = true, result = "unknowncall" });
        }

        var result = await services.GetRequiredService<CallTransitions>().ApplyAsync(callId.Value, Open, to.Value, "webhook:slot_release", new CallChange
        {
            FailureReason = to == CallState.Completed ? null : status,
            Ended = true,
            Lease = Settable<DateTime>.Clear,
        }, cancellationToken);
        return TypedResults.Ok(new { received = true, result = result == TransitionResult.Applied ? "applied" : "ignored" });
    }

    private static Task<Guid?> FindAsync(OrchestratorDbContext db, string field, string id, CancellationToken cancellationToken)
    {
        var calls = db.Calls.AsQueryable();
        calls = field switch
        {
            "conversation_id" or "conversationId" => calls.Where(c => c.ConversationId == id),
            "callSid" or "call_sid" => calls.Where(c => c.TwilioCallSid == id || c.ProviderCallId == id),
            // Our call id (what /enqueue-call answered), else the provider's call id.
            _ => Guid.TryParse(id, out var ours) ? calls.Where(c => c.Id == ours) : calls.Where(c => c.ProviderCallId == id),
        };
        return calls.OrderByDescending(c => c.CreatedAt).Select(c => (Guid?)c.Id).FirstOrDefaultAsync(cancellationToken);
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : null;
}

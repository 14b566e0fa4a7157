using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Providers.ElevenLabs;
using VoiceOrchestrator.Storage;
using VoiceOrchestrator.Observability;

namespace VoiceOrchestrator.Dispatch;

public enum ProviderEventResult
{
    Applied,
    Ignored,
    UnknownCall,
}

/// <summary>
/// Applies an ElevenLabs post-call event to its call. The call is found by our id (sent as
/// <c>user_id</c>), else by conversation id. Duplicates and late events change nothing.
/// </summary>
public sealed class ProviderEventHandler(OrchestratorDbContext db, CallSettlement settlement, EarlyEvents earlyEvents, ILogger<ProviderEventHandler> logger)
{
    public const string Transcription = "post_call_transcription";
    public const string InitiationFailure = "call_initiation_failure";

    public async Task<ProviderEventResult> HandleAsync(string type, JsonElement data, CancellationToken cancellationToken)
    {
        if (type is not (Transcription or InitiationFailure))
        {
            return ProviderEventResult.Ignored;
        }

        var conversationId = data.TryGetProperty("conversation_id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
        if (conversationId is null)
        {
            return ProviderEventResult.Ignored;
        }

        var outcome = type == Transcription ? ConversationOutcome.Parse(data) : null;
        var userId = outcome?.UserId ?? ClientDataUserId(data);
        if (Guid.TryParse(userId, out var byUserId) && (outcome is not null || type == InitiationFailure))
        {
            // Usually our own call id: settle it straight away, without looking it up first.
            var direct = await SettleAsync(type, byUserId, conversationId, outcome, data, cancellationToken);
            if (direct != TransitionResult.NotFound)
            {
                return direct == TransitionResult.Applied ? ProviderEventResult.Applied : ProviderEventResult.Ignored;
            }
        }

        var callId = await FindCallAsync(userId, conversationId, cancellationToken);
        if (callId is null)
        {
            // A short call can end before its dial's answer was recorded, possibly by another
            // instance. Park the event for this process's dialer, and look again for a moment in
            // case the other instance records it; whoever takes the parked event applies it.
            earlyEvents.Add(conversationId, type, data);
            for (var wait = 0; wait < EarlyEventPolls && callId is null; wait++)
            {
                await Task.Delay(EarlyEventPollInterval, cancellationToken);
                callId = await FindCallAsync(userId, conversationId, cancellationToken);
            }

            if (callId is null || !earlyEvents.TryTake(conversationId, out _, out _))
            {
                if (callId is null)
                {
                    logger.LogInformation("ElevenLabs {Type} for unknown conversation {ConversationId}", type, conversationId);
                }

                return callId is null ? ProviderEventResult.UnknownCall : ProviderEventResult.Applied;
            }
        }

        var result = await SettleAsync(type, callId.Value, conversationId, outcome, data, cancellationToken);
        return result == TransitionResult.Applied ? ProviderEventResult.Applied : ProviderEventResult.Ignored;
    }

    private async Task<TransitionResult> SettleAsync(
        string type, Guid callId, string conversationId, ConversationOutcome? outcome, JsonElement data, CancellationToken cancellationToken)
    {
        using var callScope = logger.BeginCallScope(callId);
        var result = type == Transcription
            ? await settlement.ApplyAsync(callId, outcome!, "webhook:" + Transcription, cancellationToken)
            : await settlement.FailAsync(callId, conversationId, FailureReason(data), cancellationToken);
        if (result == TransitionResult.WrongState && outcome is not null)
        {
            // Already settled by another source (an AMD-bridge call ends with Twilio's status callback too): keep the conversation's figures.
            await settlement.RecordLateFiguresAsync(callId, outcome, cancellationToken);
        }

        return result;
    }

    private async Task<Guid?> FindCallAsync(string? userId, string conversationId, CancellationToken cancellationToken)
    {
        if (Guid.TryParse(userId, out var byUserId) && await db.Calls.AnyAsync(c => c.Id == byUserId, cancellationToken))
        {
            return byUserId;
        }

        var byConversation = await db.Calls.Where(c => c.ConversationId == conversationId).Select(c => (Guid?)c.Id).FirstOrDefaultAsync(cancellationToken);
        return byConversation;
    }

    private const int EarlyEventPolls = 12;
    private static readonly TimeSpan EarlyEventPollInterval = TimeSpan.FromMilliseconds(250);

    /// <summary><c>call_initiation_failure</c> may echo the client data (unconfirmed by the contract); use it when it does.</summary>
    private static string? ClientDataUserId(JsonElement data) =>
        data.TryGetProperty("conversation_initiation_client_data", out var clientData) && clientData.ValueKind == JsonValueKind.Object
        && clientData.TryGetProperty("user_id", out var userId) && userId.ValueKind == JsonValueKind.String
            ? userId.GetString()
            : null;

    private static string? FailureReason(JsonElement data) =>
        data.TryGetProperty("failure_reason", out var reason) && reason.ValueKind == JsonValueKind.String ? reason.GetString() : null;
}

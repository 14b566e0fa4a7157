using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Providers.ElevenLabs;
using VoiceOrchestrator.Storage;
using VoiceOrchestrator.Observability;

namespace VoiceOrchestrator.Dispatch;

/// <summary>
/// The lease sweeper: settles slot-holding calls whose lease ran out without a provider event,
/// by asking the provider. A call whose dial had an unknown outcome is looked up in the
/// conversations list (by our id, sent as user_id) and redialed only if no call was placed.
/// A call the provider cannot tell us about within <see cref="GiveUpAfter"/> ends <c>expired</c>.
/// </summary>
public sealed class CallReconciler(
    OrchestratorDbContext db, ElevenLabsClient client, CallSettlement settlement, CallTransitions transitions, CallDialer dialer,
    TwilioCallReconciler twilioCalls, TimeProvider clock, ILogger<CallReconciler> logger, OrchestratorMetrics metrics)
{
    /// <summary>Wait this long after an ambiguous dial before asking: the provider's list may lag a little.</summary>
    public static readonly TimeSpan AmbiguousSettleDelay = TimeSpan.FromSeconds(5);

    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan GiveUpAfter = TimeSpan.FromHours(2);

    private static readonly CallState[] ActiveStates = [CallState.Dialing, CallState.Ringing, CallState.InProgress];

    public async Task<int> SweepAsync(int limit, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var due = await db.Calls
            .Where(c => (c.State == CallState.Dialing || c.State == CallState.Ringing || c.State == CallState.InProgress) && c.LeaseExpiresAt < now)
            .OrderBy(c => c.LeaseExpiresAt)
            .Take(limit)
            .ToListAsync(cancellationToken);
        foreach (var call in due)
        {
            using var callScope = logger.BeginCallScope(call.Id);
            metrics.Reconciled();
            try
            {
                await ReconcileAsync(call, now, cancellationToken);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException && !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Could not reconcile call {CallId} with the provider; trying again later", call.Id);
                await ExpireOrWaitAsync(call, now, $"reconciliation failed: {ex.Message}", cancellationToken);
            }
        }

        return due.Count;
    }

    private async Task ReconcileAsync(Call call, DateTime now, CancellationToken cancellationToken)
    {
        if (Providers.GenericProvider.GenericProvider.Dials(call))
        {
            // The generic provider has no API to ask: never redial blindly, end it as unknown.
            await GenericCallDialer.ExpireAsync(transitions, call, cancellationToken);
            return;
        }

        if (call.GateMode == GateMode.TwilioAmdBridge)
        {
            // Placed by Twilio: only Twilio's call resource can say whether it rang.
            var found = await twilioCalls.ReconcileAsync(call, now, cancellationToken);
            if (found == TwilioReconciliation.NotPlaced)
            {
                await dialer.RetryOrFailAsync(call, "reconciled_not_placed", call.LastError ?? "no Twilio call", cancellationToken);
            }
            else if (found == TwilioReconciliation.Unknown)
            {
                await ExpireOrWaitAsync(call, now, "Twilio does not know the call", cancellationToken);
            }

            return;
        }

        var conversationId = call.ConversationId ?? await FindConversationAsync(call, cancellationToken);
        if (conversationId is null)
        {
            // The provider shows no call for this attempt: it was never placed, so it may be dialed again.
            logger.LogInformation("Call {CallId}: the provider shows no call for attempt {Attempt}; it was not placed", call.Id, call.Attempts);
            await dialer.RetryOrFailAsync(call, "reconciled_not_placed", call.LastError ?? "no provider event", cancellationToken);
            return;
        }

        var conversation = await client.GetConversationAsync(conversationId, cancellationToken);
        if (conversation is not { } data || ConversationOutcome.Parse(data) is not { } outcome)
        {
            await ExpireOrWaitAsync(call, now, "the provider does not know the conversation", cancellationToken);
            return;
        }

        if (outcome.State.IsTerminal() || outcome.State != call.State)
        {
            await settlement.ApplyAsync(call.Id, outcome, "reconciled", cancellationToken);
        }

        if (!outcome.State.IsTerminal())
        {
            await transitions.UpdateAsync(call.Id, outcome.State, new CallChange
            {
                ConversationId = conversationId,
                Lease = new(now + TimeSpan.FromMinutes(1)),
            }, cancellationToken);
        }
    }

    /// <summary>
    /// Looks for the conversation of this attempt by the user_id it was sent with (our call id,
    /// unless the client supplied its own), confirmed on the conversation itself by that id or,
    /// for a client's own user_id, by the number called.
    /// </summary>
    private async Task<string?> FindConversationAsync(Call call, CancellationToken cancellationToken)
    {
        var userId = CallDialer.ClientData(call)["user_id"]?.GetValue<string>() ?? call.Id.ToString();
        var ours = userId == call.Id.ToString();
        var since = new DateTimeOffset(call.DialedAt ?? call.CreatedAt, TimeSpan.Zero).ToUnixTimeSeconds() - 120;
        string? cursor = null;
        for (var page = 0; page < 10; page++)
        {
            var result = await client.ListConversationsAsync(call.AgentId, since, null, userId, cursor, 100, cancellationToken);
            foreach (var summary in result.Conversations)
            {
                var detail = await client.GetConversationAsync(summary.ConversationId, cancellationToken);
                if (detail is { } data && ConversationOutcome.Parse(data) is { } outcome
                    && outcome.UserId == userId && (ours || outcome.ExternalNumber == call.ToNumber))
                {
                    return summary.ConversationId;
                }
            }

            if (!result.HasMore || result.NextCursor is null)
            {
                return null;
            }

            cursor = result.NextCursor;
        }

        return null;
    }

    private async Task ExpireOrWaitAsync(Call call, DateTime now, string error, CancellationToken cancellationToken)
    {
        if (now - (call.DialedAt ?? call.CreatedAt) > GiveUpAfter)
        {
            await transitions.ApplyAsync(call.Id, ActiveStates, CallState.Expired, "lease_expired", new CallChange
            {
                LastError = error,
                Ended = true,
                Lease = Settable<DateTime>.Clear,
            }, cancellationToken);
            return;
        }

        await transitions.UpdateAsync(call.Id, call.State, new CallChange
        {
            LastError = error,
            Lease = new(now + RetryDelay),
        }, cancellationToken);
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Providers.ElevenLabs;
using VoiceOrchestrator.Storage;
using VoiceOrchestrator.Tenancy;
using VoiceOrchestrator.Observability;

namespace VoiceOrchestrator.Dispatch;

/// <summary>
/// Sends one claimed call to ElevenLabs and records what came of it. The call is already
/// committed as <c>dialing</c>; this sends the request once and never repeats it on its own.
/// </summary>
public sealed partial class CallDialer(
    OrchestratorDbContext db,
    ElevenLabsClient client,
    CallTransitions transitions,
    ProviderEventHandler events,
    EarlyEvents earlyEvents,
    TwilioAmdDialer twilioDialer,
    GenericCallDialer genericDialer,
    PhoneNumberCache numbers,
    IOptions<OrchestratorOptions> options,
    OrchestratorMetrics metrics,
    ILogger<CallDialer> logger)
{
    public const string SipTrunkPath = "/v1/convai/sip-trunk/outbound-call";
    public const int RingingLeaseSeconds = 90;
    private static readonly CallState[] Dialing = [CallState.Dialing];

    /// <summary>
    /// Dials and records the outcome. <paramref name="requestDone"/> is called once the provider has answered the
    /// request (before the outcome is recorded), so that the next request can go out meanwhile.
    /// </summary>
    public async Task<DialOutcome> DialAsync(Call call, Action requestDone, CancellationToken cancellationToken)
    {
        if (Providers.GenericProvider.GenericProvider.Dials(call))
        {
            return await genericDialer.DialAsync(call, this, cancellationToken);
        }

        if (call.GateMode == GateMode.TwilioAmdBridge)
        {
            LogSending(call.Id, TwilioAmdDialer.Route);
            var placed = await twilioDialer.PlaceAsync(call, cancellationToken);
            requestDone();
            await RecordAsync(call, placed, TwilioAmdDialer.Route, CancellationToken.None);
            return placed;
        }

        var number = await numbers.FindAsync(db, call.WorkspaceId, call.AgentPhoneNumberId, cancellationToken);
        var path = number?.OutboundCallsPath
                   ?? (number?.Provider == TelephonyProvider.SipTrunk ? SipTrunkPath : options.Value.ElevenLabsOutboundCallsPath);
        var request = new OutboundCallRequest(call.AgentId, call.AgentPhoneNumberId, call.ToNumber, ClientData(call));

        LogSending(call.Id, path);
        var outcome = await client.PlaceOutboundCallAsync(path, request, cancellationToken);
        requestDone();
        await RecordAsync(call, outcome, path, CancellationToken.None);
        return outcome;
    }

    /// <summary>
    /// The conversation data sent with the call. Our call id travels as <c>user_id</c>, which the
    /// provider echoes in the conversation and its webhooks, so that every event finds its call
    /// and an ambiguous dial can be looked up (conversations list, filtered by user_id).
    /// </summary>
    public static JsonObject ClientData(Call call)
    {
        var data = call.ClientData is { } passThrough ? JsonNode.Parse(passThrough) as JsonObject ?? [] : [];
        data["user_id"] ??= call.Id.ToString();
        if (call.Variables is { } variables && !data.ContainsKey("dynamic_variables"))
        {
            data["dynamic_variables"] = JsonNode.Parse(variables);
        }

        return data;
    }

    private async Task RecordAsync(Call call, DialOutcome outcome, string path, CancellationToken cancellationToken)
    {
        var error = outcome.Describe();
        switch (outcome.Kind)
        {
            case DialOutcomeKind.Accepted:
                var accepted = new CallChange
                {
                    ConversationId = outcome.ConversationId,
                    ProviderCallId = outcome.ProviderCallId,
                    SipTrunkUsed = path.Contains("sip-trunk", StringComparison.Ordinal),
                    // Until answered, look again within a ring time: a lost failure event must not hold the slot for CALL_LEASE_SECONDS.
                    Lease = new(DateTime.UtcNow.AddSeconds(Math.Min(options.Value.CallLeaseSeconds, RingingLeaseSeconds))),
                };
                var result = await transitions.ApplyAsync(call.Id, Dialing, CallState.Ringing, "provider_accepted", accepted, cancellationToken);
                if (result != TransitionResult.Applied)
                {
                    // A webhook (matched by user_id) got there first; keep the provider ids all the same.
                    await db.Calls.Where(c => c.Id == call.Id && c.ProviderCallId == null)
                        .ExecuteUpdateAsync(s => s.SetProperty(c => c.ProviderCallId, outcome.ProviderCallId), cancellationToken);
                }

                if (outcome.ConversationId is { } conversationId && earlyEvents.TryTake(conversationId, out var type, out var data))
                {
                    await events.HandleAsync(type, data, cancellationToken);
                }

                break;

            case DialOutcomeKind.Capacity:
                // The provider placed nothing: back to the queue without spending the attempt.
                metrics.Retried("provider_at_capacity");
                var capacityDelay = RetryPolicy.Backoff(1, RetryPolicy.CapacityBase, RetryPolicy.CapacityCap, outcome.RetryAfter);
                await transitions.ApplyAsync(call.Id, Dialing, CallState.Queued, "provider_at_capacity", new CallChange
                {
                    AttemptDelta = -1,
                    NextAttempt = new(DateTime.UtcNow + capacityDelay),
                    Lease = Settable<DateTime>.Clear,
                    LastError = error,
                }, cancellationToken);
                break;

            case DialOutcomeKind.NotDialed:
                await RetryOrFailAsync(call, "provider_unreachable", error, cancellationToken);
                break;

            case DialOutcomeKind.Refused:
                await transitions.ApplyAsync(call.Id, Dialing, CallState.Failed, "provider_refused", new CallChange
                {
                    FailureReason = outcome.ErrorCode ?? "provider_refused",
                    LastError = error,
                    Ended = true,
                    Lease = Settable<DateTime>.Clear,
                }, cancellationToken);
                break;

            case DialOutcomeKind.Ambiguous:
                // The call may be ringing right now: never redial blindly. The sweeper asks the
                // provider soon, and redials only if it shows no call was placed.
                logger.LogWarning("Dial outcome unknown for call {CallId}: {Error}; reconciling with the provider", call.Id, error);
                await transitions.UpdateAsync(call.Id, CallState.Dialing, new CallChange
                {
                    LastError = error,
                    Lease = new(DateTime.UtcNow + CallReconciler.AmbiguousSettleDelay),
                }, cancellationToken);
                break;
        }
    }

    /// <summary>The moment a call-creating request leaves for the provider: the end of the dispatcher's part in a dial.</summary>
    [LoggerMessage(Level = LogLevel.Debug, Message = "Sending the dial request of call {CallId} to {Route}")]
    private partial void LogSending(Guid callId, string route);

    /// <summary>A failure known not to have placed a call: it spends the attempt; retry with backoff while attempts remain.</summary>
    public async Task RetryOrFailAsync(Call call, string reason, string error, CancellationToken cancellationToken)
    {
        var attempts = await db.Calls.Where(c => c.Id == call.Id).Select(c => new { c.Attempts, c.MaxAttempts }).FirstAsync(cancellationToken);
        if (attempts.Attempts >= attempts.MaxAttempts)
        {
            await transitions.ApplyAsync(call.Id, Dialing, CallState.Failed, "attempts_exhausted", new CallChange
            {
                FailureReason = "attempts_exhausted",
                LastError = error,
                Ended = true,
                Lease = Settable<DateTime>.Clear,
            }, cancellationToken);
            return;
        }

        metrics.Retried(reason);
        var delay = RetryPolicy.Backoff(attempts.Attempts, RetryPolicy.FailureBase, RetryPolicy.FailureCap);
        await transitions.ApplyAsync(call.Id, Dialing, CallState.Queued, reason, new CallChange
        {
            NextAttempt = new(DateTime.UtcNow + delay),
            LastError = error,
            Lease = Settable<DateTime>.Clear,
        }, cancellationToken);
    }
}

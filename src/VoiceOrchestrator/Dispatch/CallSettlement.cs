using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Providers.ElevenLabs;

namespace VoiceOrchestrator.Dispatch;

/// <summary>
/// Applies what the provider says about a call, whoever learned it (webhook or reconciliation).
/// Terminal calls never change again, except <c>expired</c>, which only meant "unknown".
/// </summary>
public sealed class CallSettlement(Storage.OrchestratorDbContext db, CallTransitions transitions, TimeProvider clock, Microsoft.Extensions.Options.IOptions<Configuration.OrchestratorOptions> options)
{
    private static readonly CallState[] Open = [CallState.Dialing, CallState.Ringing, CallState.InProgress, CallState.Expired];
    private static readonly CallState[] BeforeAnswer = [CallState.Dialing, CallState.Ringing];

    public Task<TransitionResult> ApplyAsync(Guid callId, ConversationOutcome outcome, string reason, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (!outcome.State.IsTerminal())
        {
            // Still going: record the ids and move forward (never backward), with a fresh lease.
            var from = outcome.State == CallState.InProgress ? BeforeAnswer : [CallState.Dialing];
            return transitions.ApplyAsync(callId, from, outcome.State, reason, new CallChange
            {
                ConversationId = outcome.ConversationId,
                Lease = new(now.AddSeconds(options.Value.CallLeaseSeconds)),
                AnsweredAt = outcome.State == CallState.InProgress ? outcome.AnsweredAt ?? now : null,
            }, cancellationToken);
        }

        return transitions.ApplyEndedAtProviderAsync(callId, Open, outcome.State, reason, new CallChange
        {
            ConversationId = outcome.ConversationId,
            Ended = true,
            Lease = Settable<DateTime>.Clear,
            DurationSecs = outcome.DurationSecs,
            TerminationReason = outcome.TerminationReason,
            FailureReason = outcome.FailureReason,
            ElevenLabsCredits = outcome.Credits,
            CostElevenLabs = outcome.CostUsd,
            AnsweredAt = outcome.AnsweredAt,
            ProviderCallId = outcome.CallSid,
        }, cancellationToken);
    }

    /// <summary>
    /// The conversation's id and cost for a call that reached its final state another way first; never changes the
    /// state, and never replaces another conversation's figures.
    /// </summary>
    public Task<int> RecordLateFiguresAsync(Guid callId, ConversationOutcome outcome, CancellationToken cancellationToken) =>
        db.Calls.Where(c => c.Id == callId && (c.ConversationId == null || c.ConversationId == outcome.ConversationId))
            .ExecuteUpdateAsync(s => s
                .SetProperty(c => c.ConversationId, outcome.ConversationId)
                .SetProperty(c => c.ElevenLabsCredits, c => c.ElevenLabsCredits ?? outcome.Credits)
                .SetProperty(c => c.CostElevenLabs, c => c.CostElevenLabs ?? outcome.CostUsd), cancellationToken);

    /// <summary>A <c>call_initiation_failure</c>: the callee was busy, did not answer, or the call could not be made.</summary>
    public Task<TransitionResult> FailAsync(Guid callId, string conversationId, string? failureReason, CancellationToken cancellationToken)
    {
        var state = failureReason switch
        {
            "busy" => CallState.Busy,
            "no-answer" or "no_answer" => CallState.NoAnswer,
            _ => CallState.Failed,
        };
        return transitions.ApplyEndedAtProviderAsync(callId, Open, state, "call_initiation_failure", new CallChange
        {
            ConversationId = conversationId,
            FailureReason = failureReason ?? "unknown",
            Ended = true,
            Lease = Settable<DateTime>.Clear,
        }, cancellationToken);
    }
}

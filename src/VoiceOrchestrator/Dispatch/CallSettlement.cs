using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Providers.ElevenLabs;

namespace VoiceOrchestrator.Dispatch;

/// <summary>
/// Applies what the provider says about a call, whoever learned it (webhook or reconciliation).
/// Terminal calls never change again, except <c>expired</c>, which only meant "unknown".
/// </summary>
public sealed class CallSettlement(CallTransitions transitions, TimeProvider clock, Microsoft.Extensions.Options.IOptions<Configuration.OrchestratorOptions> options)
{
    private static readonly CallState[] Open = [CallState.Dialing, CallState.Ringing, CallState.InProgress, CallState.Expired];
    private static readonly CallState[] BeforeAnswer = [CallState.Dialing, CallState.Ringing];

    public Task<TransitionResult> ApplyAsync(Guid callId, ConversationOutcome outcome, string reason, CancellationToken cancellationToken)
    {
        if (!outcome.State.IsTerminal())
        {
            // Still going: record the ids and move forward (never backward), with a fresh lease.
            var leaseUntil = clock.GetUtcNow().UtcDateTime.AddSeconds(options.Value.CallLeaseSeconds);
            var from = outcome.State == CallState.InProgress ? BeforeAnswer : [CallState.Dialing];
            return transitions.ApplyAsync(callId, from, outcome.State, reason, (s, now) =>
            {
                s.SetProperty(c => c.ConversationId, outcome.ConversationId).SetProperty(c => c.LeaseExpiresAt, leaseUntil);
                if (outcome.State == CallState.InProgress)
                {
                    s.SetProperty(c => c.AnsweredAt, outcome.AnsweredAt ?? now);
                }
            }, cancellationToken);
        }

        return transitions.ApplyAsync(callId, Open, outcome.State, reason, (s, now) =>
        {
            s.SetProperty(c => c.ConversationId, outcome.ConversationId)
                .SetProperty(c => c.EndedAt, now)
                .SetProperty(c => c.LeaseExpiresAt, (DateTime?)null);
            if (outcome.DurationSecs is { } duration)
            {
                s.SetProperty(c => c.DurationSecs, duration);
            }

            if (outcome.TerminationReason is { } termination)
            {
                s.SetProperty(c => c.TerminationReason, termination);
            }

            if (outcome.FailureReason is { } failure)
            {
                s.SetProperty(c => c.FailureReason, failure);
            }

            if (outcome.Credits is { } credits)
            {
                s.SetProperty(c => c.ElevenLabsCredits, credits);
            }

            if (outcome.CostUsd is { } cost)
            {
                s.SetProperty(c => c.CostElevenLabs, cost);
            }

            if (outcome.AnsweredAt is { } answeredAt)
            {
                s.SetProperty(c => c.AnsweredAt, answeredAt);
            }

            if (outcome.CallSid is { } callSid)
            {
                s.SetProperty(c => c.ProviderCallId, callSid);
            }
        }, cancellationToken);
    }

    /// <summary>A <c>call_initiation_failure</c>: the callee was busy, did not answer, or the call could not be made.</summary>
    public Task<TransitionResult> FailAsync(Guid callId, string conversationId, string? failureReason, CancellationToken cancellationToken)
    {
        var state = failureReason switch
        {
            "busy" => CallState.Busy,
            "no-answer" or "no_answer" => CallState.NoAnswer,
            _ => CallState.Failed,
        };
        return transitions.ApplyAsync(callId, Open, state, "call_initiation_failure", (s, now) => s
            .SetProperty(c => c.ConversationId, conversationId)
            .SetProperty(c => c.FailureReason, failureReason ?? "unknown")
            .SetProperty(c => c.EndedAt, now)
            .SetProperty(c => c.LeaseExpiresAt, (DateTime?)null), cancellationToken);
    }
}

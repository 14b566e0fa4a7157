using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Calls;

/// <summary>
/// Client-requested changes to one call: cancel (a guarded transition) and edits, both only while queued.
/// </summary>
public sealed class CallLifecycle(OrchestratorDbContext db, CallTransitions transitions, TimeProvider clock)
{
    public async Task<Call?> CancelQueuedAsync(Guid callId, string reason, CancellationToken cancellationToken)
    {
        var result = await transitions.ApplyAsync(
            callId, [CallState.Queued], CallState.Cancelled, reason, new CallChange { FailureReason = reason, Ended = true }, cancellationToken);
        return result == TransitionResult.Applied ? await db.Calls.FirstAsync(c => c.Id == callId, cancellationToken) : null;
    }

    public async Task<Call?> UpdateQueuedAsync(Guid callId, CallChanges changes, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var changed = await db.Calls
            .Where(c => c.Id == callId && c.State == CallState.Queued)
            .ExecuteUpdateAsync(s =>
            {
                s.SetProperty(c => c.UpdatedAt, now);
                if (changes.AgentId is { } agentId)
                {
                    s.SetProperty(c => c.AgentId, agentId);
                }

                if (changes.AgentPhoneNumberId is { } numberId)
                {
                    s.SetProperty(c => c.AgentPhoneNumberId, numberId);
                }

                if (changes.ToNumber is { } to)
                {
                    s.SetProperty(c => c.ToNumber, to);
                }

                if (changes.FromNumber is { } from)
                {
                    s.SetProperty(c => c.FromNumber, from);
                }

                if (changes.Variables is { } variables)
                {
                    s.SetProperty(c => c.Variables, variables);
                }

                if (changes.Metadata is { } metadata)
                {
                    s.SetProperty(c => c.Metadata, metadata);
                }

                if (changes.MachineDetectionTimeout is { } timeout)
                {
                    s.SetProperty(c => c.MachineDetectionTimeout, timeout);
                }

                if (changes.EnableMachineDetection is { } amd)
                {
                    s.SetProperty(c => c.EnableMachineDetection, amd);
                }

                if (changes.Priority is { } priority)
                {
                    s.SetProperty(c => c.Priority, priority);
                }

                if (changes.NextAttemptAt is { } at)
                {
                    s.SetProperty(c => c.NextAttemptAt, at);
                }
            }, cancellationToken);
        return changed == 0 ? null : await db.Calls.FirstAsync(c => c.Id == callId, cancellationToken);
    }
}

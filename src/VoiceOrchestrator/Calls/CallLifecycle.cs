using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Calls;

/// <summary>
/// Guarded state changes of one call. Each is a conditional UPDATE on the state it expects plus a
/// call_events row, in one transaction, so a late writer can never overwrite a newer state.
/// </summary>
public sealed class CallLifecycle(OrchestratorDbContext db, TimeProvider clock)
{
    public async Task<Call?> CancelQueuedAsync(Guid callId, string reason, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var changed = await db.Calls
            .Where(c => c.Id == callId && c.State == CallState.Queued)
            .ExecuteUpdateAsync(s => s
                .SetProperty(c => c.State, CallState.Cancelled)
                .SetProperty(c => c.FailureReason, reason)
                .SetProperty(c => c.EndedAt, now)
                .SetProperty(c => c.UpdatedAt, now), cancellationToken);
        if (changed == 0)
        {
            await transaction.RollbackAsync(cancellationToken);
            return null;
        }

        var call = await db.Calls.FirstAsync(c => c.Id == callId, cancellationToken);
        db.CallEvents.Add(new CallEvent { CallId = callId, FromState = CallState.Queued, ToState = CallState.Cancelled, Reason = reason, Attempt = call.Attempts, At = now });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return call;
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

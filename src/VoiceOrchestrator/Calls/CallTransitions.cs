using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query;
using VoiceOrchestrator.Dispatch;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Calls;

public enum TransitionResult
{
    Applied,

    /// <summary>The call is in a state this transition does not start from (e.g. a late webhook for a finished call).</summary>
    WrongState,

    NotFound,
}

/// <summary>
/// Moves a call from one of the states a transition expects to its next state, with a history
/// event, in one transaction. The UPDATE is guarded by the state read just before it, so two
/// writers racing on one call (a webhook and the sweeper, say) cannot both win: the loser re-reads
/// and usually finds the transition no longer applies.
/// </summary>
public sealed class CallTransitions(OrchestratorDbContext db, TimeProvider clock, DispatchSignal signal)
{
    public async Task<TransitionResult> ApplyAsync(
        Guid callId, IReadOnlyCollection<CallState> from, CallState to, string reason,
        Action<UpdateSettersBuilder<Call>, DateTime>? set, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var current = await db.Calls.Where(c => c.Id == callId).Select(c => new { c.State, c.Attempts }).FirstOrDefaultAsync(cancellationToken);
            if (current is null)
            {
                return TransitionResult.NotFound;
            }

            if (!from.Contains(current.State))
            {
                return TransitionResult.WrongState;
            }

            var now = clock.GetUtcNow().UtcDateTime;
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var changed = await db.Calls
                .Where(c => c.Id == callId && c.State == current.State)
                .ExecuteUpdateAsync(s =>
                {
                    s.SetProperty(c => c.State, to).SetProperty(c => c.UpdatedAt, now);
                    set?.Invoke(s, now);
                }, cancellationToken);
            if (changed == 0)
            {
                await transaction.RollbackAsync(cancellationToken);
                continue;
            }

            db.CallEvents.Add(new CallEvent { CallId = callId, FromState = current.State, ToState = to, Reason = reason, Attempt = current.Attempts, At = now });
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            db.ChangeTracker.Clear();
            if (current.State.HoldsSlot() && !to.HoldsSlot())
            {
                signal.SlotFreed();
            }

            if (to == CallState.Queued)
            {
                signal.NewWork();
            }

            return TransitionResult.Applied;
        }

        return TransitionResult.WrongState;
    }

    /// <summary>Changes fields of a call without changing its state (e.g. extending its lease).</summary>
    public Task<int> UpdateAsync(Guid callId, CallState expected, Action<UpdateSettersBuilder<Call>, DateTime> set, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return db.Calls.Where(c => c.Id == callId && c.State == expected)
            .ExecuteUpdateAsync(s =>
            {
                s.SetProperty(c => c.UpdatedAt, now);
                set(s, now);
            }, cancellationToken);
    }
}

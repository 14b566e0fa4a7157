using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Api;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Calls;

/// <summary>
/// Writes new calls: the rows, their first history event and (when the request carried an
/// Idempotency-Key) the answer to replay, all in one transaction.
/// </summary>
public sealed class CallStore(OrchestratorDbContext db, TimeProvider clock, Dispatch.DispatchSignal signal)
{
    /// <summary>Stores the calls; false when a concurrent request with the same Idempotency-Key won the race.</summary>
    public async Task<bool> InsertAsync(
        IReadOnlyList<Call> calls, IdempotentRequest? idempotency, int statusCode, object response, JsonSerializerOptions json,
        Func<Task>? beforeCommit, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var events = new CallEvent[calls.Count];
        for (var i = 0; i < calls.Count; i++)
        {
            events[i] = new CallEvent { CallId = calls[i].Id, ToState = CallState.Queued, Reason = "accepted", At = now };
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (beforeCommit is not null)
        {
            await beforeCommit();
        }

        await BulkInserter.InsertAsync(db, calls, cancellationToken);
        await BulkInserter.InsertAsync(db, events, cancellationToken);
        if (idempotency is not null)
        {
            db.IdempotencyKeys.RemoveRange(await db.IdempotencyKeys.AsTracking()
                .Where(r => r.WorkspaceId == idempotency.Scope && r.Key == idempotency.Key && r.ExpiresAt <= now)
                .ToListAsync(cancellationToken));
            db.IdempotencyKeys.Add(idempotency.ToRecord(statusCode, JsonSerializer.Serialize(response, json), now));
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException)
            {
                // The (scope, key) primary key refused the record: the same key was used concurrently
                // and the other request committed first. Nothing of this one is kept.
                await transaction.RollbackAsync(cancellationToken);
                db.ChangeTracker.Clear();
                return false;
            }
        }

        await transaction.CommitAsync(cancellationToken);
        signal.NewWork();
        return true;
    }
}

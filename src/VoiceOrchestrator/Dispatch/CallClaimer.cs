using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Dispatch;

/// <summary>
/// One claim's database work, in two steps: <see cref="ChooseAsync"/> plans admissions from the queue
/// snapshot and the view of active calls, reads the candidates and picks calls (skipping numbers already
/// in a call), reserving their slots; <see cref="CommitAsync"/> commits them as <c>dialing</c>, fenced by
/// the dispatcher lease, before any provider request is sent. The dispatcher may choose the next claim
/// while one commits: the reservations keep both within every limit.
/// </summary>
public sealed class CallClaimer(
    DispatchDbContext db, DispatcherLeaseKeeper lease, ActiveSlots slots, SqliteWriteGate sqliteWrites, IOptions<OrchestratorOptions> options, TimeProvider clock,
    ILogger<CallClaimer> logger)
{
    /// <summary>Extra candidates fetched per group, to step over numbers that are already in a call.</summary>
    private const int Slack = 4;

    public async Task<ClaimChoice> ChooseAsync(QueueSnapshot snapshot, int capacity, int remoteActive, int rotation, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        // Microsecond precision: PostgreSQL keeps no finer, and the claim reads its rows back by this value.
        var now = Microseconds(clock.GetUtcNow().UtcDateTime);
        var active = slots.Snapshot();
        var limits = new AdmissionLimits(
            settings.ConcurrencyLimit,
            remoteActive,
            (int)Math.Floor(settings.ConcurrencyLimit * settings.PriorityReservedShare),
            snapshot.WorkspaceLimits);
        var quotas = AdmissionPlan.Quotas(snapshot.Groups, active, limits, capacity, rotation);
        if (quotas.Count == 0)
        {
            return new ClaimChoice([], now);
        }

        // Calls reserved by a claim still committing are queued in the database yet, first in their groups: read past them.
        var reserved = slots.Reserved().CountBy(call => new QueueGroup(call.WorkspaceId, call.CampaignId, call.BatchId, call.Lane))
            .ToDictionary(pair => pair.Key, pair => pair.Value);
        var busyNumbers = active.Concat(slots.Ending()).Select(a => (a.WorkspaceId, a.ToNumber)).ToHashSet();
        var chosen = new List<(QueueCandidate Call, QueueGroup Group)>();
        // First every group at once without the list of busy numbers (usually long, rarely hit), filtering here; only
        // when busy numbers crowd out a group's read is that group read again stepping over all of them.
        var firstReads = await QueueView.CandidatesAsync(
            db, [.. quotas.Select(q => (q.Key, q.Value + Slack + reserved.GetValueOrDefault(q.Key)))], now, cancellationToken);
        foreach (var (group, quota) in quotas)
        {
            var read = quota + Slack + reserved.GetValueOrDefault(group);
            var candidates = firstReads.GetValueOrDefault(group) ?? [];
            var taken = Take(candidates, group, quota, busyNumbers, chosen);
            var skipped = candidates.Count - taken;
            var ranDry = candidates.Count < read;
            if (taken < quota && !ranDry)
            {
                // Numbers taken just now are busy too, so the second read cannot return them again.
                var busyHere = busyNumbers.Where(b => b.WorkspaceId == group.WorkspaceId).Select(b => b.ToNumber).ToList();
                var more = await QueueView.CandidatesAsync(db, group, now, quota - taken + Slack, busyHere, cancellationToken);
                taken += Take(more, group, quota - taken, busyNumbers, chosen);
                // Whatever this read left, calls to busy numbers still wait behind it.
                skipped = 1;
            }

            // A short read that took every call it saw means the group ran dry.
            snapshot.Consumed(group, ranDry && skipped == 0 ? null : taken);
        }

        var calls = chosen.Select(c => (c.Call.Id, new ActiveCall(c.Group.WorkspaceId, c.Group.CampaignId, c.Group.BatchId, c.Group.Lane, c.Call.ToNumber))).ToList();
        slots.Reserve(calls);
        return new ClaimChoice([.. calls.Select(c => c.Id)], now);
    }

    /// <summary>Takes up to <paramref name="quota"/> candidates whose numbers are not in a call, marking their numbers busy.</summary>
    private static int Take(
        List<QueueCandidate> candidates, QueueGroup group, int quota, HashSet<(string WorkspaceId, string ToNumber)> busyNumbers, List<(QueueCandidate Call, QueueGroup Group)> chosen)
    {
        var taken = 0;
        foreach (var call in candidates)
        {
            if (taken == quota)
            {
                break;
            }

            if (busyNumbers.Add((call.WorkspaceId, call.ToNumber)))
            {
                chosen.Add((call, group));
                taken++;
            }
        }

        return taken;
    }

    /// <summary>
    /// Commits a choice as <c>dialing</c> and returns the calls claimed (a call cancelled since it was chosen is not);
    /// its reservations become slots or are dropped.
    /// </summary>
    public async Task<List<Call>> CommitAsync(ClaimChoice choice, CancellationToken cancellationToken)
    {
        try
        {
            return choice.CallIds.Count == 0 ? [] : await CommitChosenAsync([.. choice.CallIds], choice.At, cancellationToken);
        }
        finally
        {
            slots.Unreserve(choice.CallIds);
        }
    }

    private async Task<List<Call>> CommitChosenAsync(List<Guid> ids, DateTime now, CancellationToken cancellationToken)
    {
        var leaseUntil = now + DialLease;
        if (db.Database.IsNpgsql())
        {
            return await CommitPostgresAsync(ids, now, leaseUntil, cancellationToken);
        }

        await db.Database.OpenConnectionAsync(cancellationToken);
        List<ClaimedRow> claimedRows;
        using (await sqliteWrites.EnterForClaimAsync(cancellationToken))
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            if (!await lease.FenceAsync(db, cancellationToken))
            {
                await transaction.RollbackAsync(cancellationToken);
                logger.LogWarning("Claim abandoned: this instance no longer holds the dispatcher lease");
                return [];
            }

            await db.Calls
                .Where(c => ids.Contains(c.Id) && c.State == CallState.Queued)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(c => c.State, CallState.Dialing)
                    .SetProperty(c => c.Attempts, c => c.Attempts + 1)
                    .SetProperty(c => c.DialedAt, now)
                    .SetProperty(c => c.UpdatedAt, now)
                    .SetProperty(c => c.NextAttemptAt, (DateTime?)null)
                    .SetProperty(c => c.LeaseExpiresAt, leaseUntil), cancellationToken);

            // Read back what was claimed (a call cancelled between the read and the update stays cancelled), only as
            // much as its event and the view of active calls need: SQLite has one writer, and every other write
            // waits while this transaction is open.
            claimedRows = await ClaimedNow(ids, now)
                .Select(c => new ClaimedRow(c.Id, c.Attempts, new ActiveCall(c.WorkspaceId, c.CampaignId, c.BatchId, c.Lane, c.ToNumber)))
                .ToListAsync(cancellationToken);
            var events = claimedRows.Select(c => new CallEvent
            {
                CallId = c.Id, FromState = CallState.Queued, ToState = CallState.Dialing, Reason = "claimed", Attempt = c.Attempts, At = now,
            }).ToList();
            await BulkInserter.InsertAsync(db, events, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            // Only once committed: a re-read of the active calls that began before the commit would not see them, and
            // until then their reservations count them.
            slots.Claimed(claimedRows.Select(c => (c.Id, c.Call)));
        }

        // The whole rows, for the dials, once the writer is free again. Nothing else moves a call out of 'dialing' before
        // its dial has started; a call that has all the same is not dialed, and leaves the view. Not cancelled by a
        // shutdown: the calls are committed as 'dialing' now, and a dial that never starts would leave them to the sweeper.
        var claimedIds = claimedRows.Select(c => c.Id).ToList();
        var claimed = await ClaimedNow(claimedIds, now).ToListAsync(CancellationToken.None);
        if (claimed.Count < claimedIds.Count)
        {
            foreach (var id in claimedIds.Except(claimed.Select(c => c.Id)))
            {
                slots.Released(id);
            }
        }

        return claimed;
    }

    private IQueryable<Call> ClaimedNow(List<Guid> ids, DateTime now) =>
        db.Calls.Where(c => ids.Contains(c.Id) && c.State == CallState.Dialing && c.DialedAt == now);

    private sealed record ClaimedRow(Guid Id, int Attempts, ActiveCall Call);

    /// <summary>
    /// PostgreSQL, one statement (so one round trip, and atomic without a transaction around it): renew the lease if
    /// this instance still holds it, and only then move the calls still queued to <c>dialing</c> and record their events.
    /// </summary>
    private async Task<List<Call>> CommitPostgresAsync(List<Guid> ids, DateTime now, DateTime leaseUntil, CancellationToken cancellationToken)
    {
        var fence = lease.Fence();
        var claimed = await db.Calls
            .FromSqlRaw(PostgresClaimSql, DispatcherLeaseKeeper.LeaseName, fence.Holder, fence.Generation, fence.ExpiresAt, ids.ToArray(), now, leaseUntil)
            .ToListAsync(cancellationToken);
        if (claimed.Count == 0 && !await lease.FenceAsync(db, cancellationToken))
        {
            // Nothing claimed: tell a lost lease (which must stop this dispatcher) from calls cancelled meanwhile.
            logger.LogWarning("Claim abandoned: this instance no longer holds the dispatcher lease");
            return [];
        }

        slots.Claimed(claimed);
        return claimed;
    }

    private const string PostgresClaimSql = """
        WITH fence AS (
            UPDATE dispatcher_lease SET expires_at = {3}
            WHERE name = {0} AND holder = {1} AND generation = {2}
            RETURNING 1
        ), claimed AS (
            UPDATE calls SET state = 'dialing', attempts = attempts + 1, dialed_at = {5}, updated_at = {5},
                next_attempt_at = NULL, lease_expires_at = {6}
            WHERE id = ANY({4}) AND state = 'queued' AND EXISTS (SELECT 1 FROM fence)
            RETURNING calls.*
        ), events AS (
            INSERT INTO call_events (call_id, from_state, to_state, reason, attempt, at)
            SELECT id, 'queued', 'dialing', 'claimed', attempts, {5} FROM claimed
        )
        SELECT * FROM claimed
        """;

    private static DateTime Microseconds(DateTime value) => new(value.Ticks - value.Ticks % 10, DateTimeKind.Utc);

    /// <summary>How long a call may stay in <c>dialing</c> before the sweeper reconciles it: the request timeout plus a margin.</summary>
    private TimeSpan DialLease => TimeSpan.FromMilliseconds(options.Value.ElevenLabsTimeoutMs) + TimeSpan.FromSeconds(10);
}

using System.Data.Common;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Campaigns;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Dispatch;

/// <summary>What the dispatcher reads of the queue: the groups with due calls, and the active calls.</summary>
public static class QueueView
{
    /// <summary>
    /// Rows that are queued, written so that both databases read them from the partial index of open
    /// calls (SQLite uses a partial index only when the query repeats its condition).
    /// </summary>
    private const string QueuedInOpenIndex = "state IN ('queued'," + CallStates.ActiveSqlList + ") AND state = 'queued'";

    private const string FirstWorkspaceSql =
        "SELECT workspace_id AS \"Value\" FROM calls WHERE " + QueuedInOpenIndex + " ORDER BY workspace_id LIMIT 1";

    private const string NextWorkspaceSql =
        "SELECT workspace_id AS \"Value\" FROM calls WHERE " + QueuedInOpenIndex + " AND workspace_id > {0} ORDER BY workspace_id LIMIT 1";

    private const string NoCampaignSql =
        "SELECT workspace_id AS \"Value\" FROM calls WHERE " + QueuedInOpenIndex + " AND workspace_id = {0} AND campaign_id IS NULL LIMIT 1";

    private const string FirstCampaignSql =
        "SELECT campaign_id AS \"Value\" FROM calls WHERE " + QueuedInOpenIndex + " AND workspace_id = {0} AND campaign_id IS NOT NULL ORDER BY campaign_id LIMIT 1";

    private const string NextCampaignSql =
        "SELECT campaign_id AS \"Value\" FROM calls WHERE " + QueuedInOpenIndex + " AND workspace_id = {0} AND campaign_id > {1} ORDER BY campaign_id LIMIT 1";

    /// <summary>
    /// The order of the queue index, whole. Within one group it is priority then id, but PostgreSQL reads the index in
    /// that order only when told every column of it: it does not count <c>campaign_id IS NULL</c> as fixing a
    /// column, and would otherwise read every queued call of a group without a campaign and sort them (11 ms
    /// instead of 0.15 ms with 20,000 queued).
    /// </summary>
    private const string QueueOrder = "workspace_id, campaign_id, batch_id, lane, priority DESC, id";

    private const string ActiveCallsFromSqlite = "FROM calls INDEXED BY ix_calls_active_lease WHERE state IN (" + CallStates.ActiveSqlList + ")";
    private const string ActiveCallsSqlite = "SELECT * " + ActiveCallsFromSqlite;

    /// <summary>
    /// Groups with calls due now, without paused or cancelled campaigns, with each group's
    /// concurrency (the campaign's when there is one, else the calls' own).
    /// </summary>
    public static async Task<List<QueuedGroup>> DueGroupsAsync(OrchestratorDbContext db, DateTime now, CancellationToken cancellationToken)
    {
        // One connection for the many small reads below.
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            return await DueGroupsOpenAsync(db, now, cancellationToken);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static async Task<List<QueuedGroup>> DueGroupsOpenAsync(OrchestratorDbContext db, DateTime now, CancellationToken cancellationToken)
    {
        var queuedIn = await QueuedCampaignsAsync(db, cancellationToken);
        if (queuedIn.Count == 0)
        {
            return [];
        }

        var campaignIds = queuedIn.Where(q => q.CampaignId != null).Select(q => q.CampaignId!).Distinct().ToList();
        var campaigns = campaignIds.Count == 0
            ? []
            : await db.Campaigns.Where(c => campaignIds.Contains(c.Id)).Select(c => new { c.WorkspaceId, c.Id, c.Status, c.Concurrency }).ToListAsync(cancellationToken);
        var byKey = campaigns.ToDictionary(c => (c.WorkspaceId, c.Id));

        var groups = new List<QueuedGroup>();
        foreach (var (workspaceId, campaignId) in queuedIn)
        {
            int? campaignConcurrency = null;
            if (campaignId is not null && byKey.TryGetValue((workspaceId, campaignId), out var campaign))
            {
                // The calls of a paused campaign are not read at all: a large paused queue costs nothing here.
                if (campaign.Status != CampaignStatus.Active)
                {
                    continue;
                }

                campaignConcurrency = campaign.Concurrency;
            }

            var query = db.Calls.Where(c => c.State == CallState.Queued && c.WorkspaceId == workspaceId
                                            && (c.NextAttemptAt == null || c.NextAttemptAt <= now));
            query = campaignId is null ? query.Where(c => c.CampaignId == null) : query.Where(c => c.CampaignId == campaignId);
            var rows = await query
                .GroupBy(c => new { c.BatchId, c.Lane })
                .Select(g => new { g.Key.BatchId, g.Key.Lane, MaxPriority = g.Max(c => c.Priority), Queued = g.Count(), Concurrency = g.Min(c => c.Concurrency) })
                .ToListAsync(cancellationToken);
            foreach (var row in rows)
            {
                groups.Add(new QueuedGroup(
                    new QueueGroup(workspaceId, campaignId, row.BatchId, row.Lane), row.MaxPriority, row.Queued, campaignConcurrency ?? row.Concurrency));
            }
        }

        return groups;
    }

    /// <summary>
    /// Each workspace and campaign (null: calls of no campaign) with queued calls, found by stepping
    /// through the index of open calls one distinct value at a time, so that the cost follows the
    /// number of campaigns rather than the number of queued calls.
    /// </summary>
    private static async Task<List<(string WorkspaceId, string? CampaignId)>> QueuedCampaignsAsync(OrchestratorDbContext db, CancellationToken cancellationToken)
    {
        var found = new List<(string WorkspaceId, string? CampaignId)>();
        var workspaceId = await FirstAsync(db, FirstWorkspaceSql, [], cancellationToken);
        while (workspaceId is not null)
        {
            if (await FirstAsync(db, NoCampaignSql, [workspaceId], cancellationToken) is not null)
            {
                found.Add((workspaceId, null));
            }

            var campaignId = await FirstAsync(db, FirstCampaignSql, [workspaceId], cancellationToken);
            while (campaignId is not null)
            {
                found.Add((workspaceId, campaignId));
                campaignId = await FirstAsync(db, NextCampaignSql, [workspaceId, campaignId], cancellationToken);
            }

            workspaceId = await FirstAsync(db, NextWorkspaceSql, [workspaceId], cancellationToken);
        }

        return found;
    }

    private static async Task<string?> FirstAsync(OrchestratorDbContext db, string sql, object[] parameters, CancellationToken cancellationToken) =>
        (await db.Database.SqlQueryRaw<string>(sql, parameters).ToListAsync(cancellationToken)).FirstOrDefault();

    /// <summary>
    /// The calls holding slots, read through the partial index of active calls. SQLite is told to use
    /// it: without statistics its planner would rather scan an index of every call, which costs
    /// milliseconds per read once the table holds a large queue.
    /// </summary>
    public static IQueryable<Call> ActiveCalls(OrchestratorDbContext db) => db.Database.IsNpgsql()
        ? db.Calls.Where(c => c.State == CallState.Dialing || c.State == CallState.Ringing || c.State == CallState.InProgress)
        : db.Calls.FromSqlRaw(ActiveCallsSqlite);

    /// <summary>
    /// How many calls hold a slot, as a plain statement: the dispatcher counts them every 50 ms while calls wait for room,
    /// and the LINQ form of the same count cost a tenth of the service's allocations in the slot benchmark.
    /// </summary>
    public static async Task<int> CountActiveCallsAsync(OrchestratorDbContext db, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken);
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = db.Database.IsNpgsql() ? ActiveCallsCountPostgres : ActiveCallsCountSqlite;
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    private const string ActiveCallsCountPostgres = "SELECT COUNT(*) FROM calls WHERE state IN (" + CallStates.ActiveSqlList + ")";
    private const string ActiveCallsCountSqlite = "SELECT COUNT(*) " + ActiveCallsFromSqlite;

    /// <summary>Workspace limits, and the workspaces that are disabled (limit 0: nothing of theirs is dialed).</summary>
    public static async Task<Dictionary<string, int>> WorkspaceLimitsAsync(OrchestratorDbContext db, CancellationToken cancellationToken)
    {
        var rows = await db.Workspaces.Where(w => w.ConcurrencyLimit != null || !w.IsActive)
            .Select(w => new { w.Id, w.ConcurrencyLimit, w.IsActive })
            .ToListAsync(cancellationToken);
        return rows.ToDictionary(w => w.Id, w => w.IsActive ? w.ConcurrencyLimit!.Value : 0, StringComparer.Ordinal);
    }

    /// <summary>
    /// The next due calls of several groups in one read (one round trip, not one per group): for each group up to
    /// its count, higher priority first, then oldest first. Groups with no due call are missing from the answer.
    /// Read with a plain command, not through EF: the statement's text changes with the groups it reads, and EF compiles
    /// (and keeps) a query for each new text, on the claim's path; with many campaigns the mixes are many.
    /// </summary>
    public static async Task<Dictionary<QueueGroup, List<QueueCandidate>>> CandidatesAsync(
        OrchestratorDbContext db, IReadOnlyList<(QueueGroup Group, int Count)> reads, DateTime now, CancellationToken cancellationToken)
    {
        var byGroup = new Dictionary<QueueGroup, List<QueueCandidate>>();
        if (reads.Count == 0)
        {
            return byGroup;
        }

        await db.Database.OpenConnectionAsync(cancellationToken);
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        var sql = new StringBuilder();
        var now0 = AddParameter(command, now);
        for (var i = 0; i < reads.Count; i++)
        {
            var (group, count) = reads[i];
            // Each group's read is its own subquery, so that each walks the queue index of its group and stops at its count.
            sql.Append(sql.Length == 0 ? "SELECT * FROM (" : " UNION ALL SELECT * FROM (")
                .Append("SELECT ").Append(CandidateColumns).Append(" FROM calls WHERE state = 'queued' AND workspace_id = ").Append(AddParameter(command, group.WorkspaceId))
                .Append(group.CampaignId is { } campaignId ? " AND campaign_id = " + AddParameter(command, campaignId) : " AND campaign_id IS NULL")
                .Append(group.BatchId is { } batchId ? " AND batch_id = " + AddParameter(command, IdParameter(db, batchId)) : " AND batch_id IS NULL")
                .Append(" AND lane = ").Append(AddParameter(command, (int)group.Lane))
                .Append(" AND (next_attempt_at IS NULL OR next_attempt_at <= ").Append(now0).Append(") ORDER BY ").Append(QueueOrder)
                .Append(" LIMIT ").Append(AddParameter(command, count))
                .Append(") AS g").Append(i);
        }

        // Each group's calls in the database's order: it sorts ids as stored, which Guid comparison here would not.
        command.CommandText = sql.Append(" ORDER BY ").Append(QueueOrder).ToString();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var candidate = new QueueCandidate(reader.GetGuid(0), reader.GetString(1), reader.GetString(6));
            var key = new QueueGroup(
                candidate.WorkspaceId, reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetGuid(3), (CallLane)reader.GetInt32(4));
            if (!byGroup.TryGetValue(key, out var calls))
            {
                byGroup[key] = calls = [];
            }

            calls.Add(candidate);
        }

        return byGroup;
    }

    /// <summary>What a candidate read returns; the order columns of <see cref="QueueOrder"/> are among them, as the outer ORDER BY needs.</summary>
    private const string CandidateColumns = "id, workspace_id, campaign_id, batch_id, lane, priority, to_number";

    private static string AddParameter(DbCommand command, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@p" + command.Parameters.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        parameter.Value = value;
        command.Parameters.Add(parameter);
        return parameter.ParameterName;
    }

    /// <summary>An id as each database stores it (see <see cref="SqliteIds"/>).</summary>
    private static object IdParameter(OrchestratorDbContext db, Guid id) => db.Database.IsNpgsql() ? id : SqliteIds.Text(id);

    /// <summary>The next due calls of one group to numbers not in a call: higher priority first, then oldest first.</summary>
    public static Task<List<QueueCandidate>> CandidatesAsync(
        OrchestratorDbContext db, QueueGroup group, DateTime now, int count, List<string> busyNumbers, CancellationToken cancellationToken)
    {
        var query = db.Calls.Where(c => c.State == CallState.Queued && c.WorkspaceId == group.WorkspaceId && c.Lane == group.Lane
                                        && (c.NextAttemptAt == null || c.NextAttemptAt <= now));
        if (busyNumbers.Count > 0)
        {
            // Step over every number already in a call, so that repeats of one number cannot hold up the rest of the group.
            query = query.Where(c => !busyNumbers.Contains(c.ToNumber));
        }

        query = group.CampaignId is null ? query.Where(c => c.CampaignId == null) : query.Where(c => c.CampaignId == group.CampaignId);
        query = group.BatchId is null ? query.Where(c => c.BatchId == null) : query.Where(c => c.BatchId == group.BatchId);
        // The whole index order (see QueueOrder): within the group it is priority, then id.
        return query.OrderBy(c => c.WorkspaceId).ThenBy(c => c.CampaignId).ThenBy(c => c.BatchId).ThenBy(c => c.Lane)
            .ThenByDescending(c => c.Priority).ThenBy(c => c.Id).Take(count)
            .Select(c => new QueueCandidate(c.Id, c.WorkspaceId, c.ToNumber)).ToListAsync(cancellationToken);
    }
}

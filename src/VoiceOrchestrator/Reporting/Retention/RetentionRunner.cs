using System.Data;
using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Reporting.Retention;

/// <summary>
/// Rolls up every day older than the retention window into the daily aggregates and deletes that
/// day's finished calls and their events, one transaction per day. The roll-up adds exactly the
/// rows the same transaction deletes, so a run that stops anywhere leaves either the whole day
/// moved or nothing moved, and a second run finds nothing left to move. Queued and active calls
/// are never selected; if one of them finishes later, a later run adds it to its day.
/// </summary>
public sealed partial class RetentionRunner(
    IServiceScopeFactory scopes, TimeProvider clock, IOptions<OrchestratorOptions> options, RetentionFaults faults, Dispatch.SqliteWriteGate sqliteWrites,
    ILogger<RetentionRunner> logger)
{
    private const int Attempts = 5;
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    public async Task<RetentionReport> RunAsync(CancellationToken cancellationToken)
    {
        await _oneAtATime.WaitAsync(cancellationToken);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<OrchestratorDbContext>();
            var settings = options.Value;
            var now = clock.GetUtcNow().UtcDateTime;
            var firstKept = DateOnly.FromDateTime(now).AddDays(-settings.RetentionDays);
            var sql = new CallFigureSql(db.Database.IsNpgsql(), ReportingPrices.From(settings));

            var days = new List<RetentionDay>();
            var after = DateTime.MinValue;
            while (await NextDayAsync(db, after, Start(firstKept), cancellationToken) is { } day)
            {
                days.Add(await PurgeDayWithRetriesAsync(db, sql, day, cancellationToken));
                after = Start(day.AddDays(1));
            }

            var conversations = settings.TranscriptRetentionDays > 0
                ? await DeleteConversationsAsync(db, now.AddDays(-settings.TranscriptRetentionDays), cancellationToken)
                : 0;
            var report = new RetentionReport(firstKept, days, conversations);
            if (days.Count > 0 || conversations > 0)
            {
                logger.LogInformation(
                    "Retention rolled up and purged {Days} day(s), {Calls} call(s), {Conversations} conversation(s); raw calls kept from {FirstKept}",
                    days.Count, report.CallsPurged, conversations, firstKept);
            }

            return report;
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    private static DateTime Start(DateOnly day) => ReportScope.Start(day);

    /// <summary>
    /// Computes the summaries of the finished raw days reports may use, so that the first report
    /// of the day does not pay for them. Reports compute whatever is missing, so this only saves time.
    /// </summary>
    public async Task SummariseRawDaysAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrchestratorDbContext>();
        var sql = new CallFigureSql(db.Database.IsNpgsql(), ReportingPrices.From(options.Value));
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var retentionDays = options.Value.RetentionDays;
        var workspaces = await db.Workspaces.Select(w => w.Id).ToListAsync(cancellationToken);
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            var summaries = new DaySummaries(db.Database.GetDbConnection(), sql, sqliteWrites);
            foreach (var workspace in workspaces)
            {
                await summaries.EnsureAsync(workspace, today.AddDays(-retentionDays), today.AddDays(-1), cancellationToken);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>The earliest day in [after, before) that still has a finished call, per workspace through its index.</summary>
    private static async Task<DateOnly?> NextDayAsync(OrchestratorDbContext db, DateTime after, DateTime before, CancellationToken cancellationToken)
    {
        var workspaces = await db.Workspaces.Select(w => w.Id).ToListAsync(cancellationToken);
        DateTime? earliest = null;
        foreach (var workspace in workspaces)
        {
            var first = await db.Calls
                .Where(c => c.WorkspaceId == workspace && c.CreatedAt >= after && c.CreatedAt < before
                    && c.State != Calls.CallState.Queued && c.State != Calls.CallState.Dialing
                    && c.State != Calls.CallState.Ringing && c.State != Calls.CallState.InProgress)
                .OrderBy(c => c.CreatedAt).Select(c => (DateTime?)c.CreatedAt).FirstOrDefaultAsync(cancellationToken);
            if (first is { } found && (earliest is null || found < earliest))
            {
                earliest = found;
            }
        }

        return earliest is { } value ? DateOnly.FromDateTime(value) : null;
    }

    private async Task<RetentionDay> PurgeDayWithRetriesAsync(OrchestratorDbContext db, CallFigureSql sql, DateOnly day, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await PurgeDayAsync(db, sql, day, cancellationToken);
            }
            catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected && attempt < Attempts)
            {
                // A call of this day changed while it was being moved (or another instance moved the
                // day first): nothing was committed; start the day again from what is there now.
                logger.LogInformation("Retention of {Day} met a concurrent change; retrying", day);
            }
        }
    }

    private async Task<RetentionDay> PurgeDayAsync(OrchestratorDbContext db, CallFigureSql sql, DateOnly day, CancellationToken cancellationToken)
    {
        var workspaces = await db.Workspaces.Select(w => w.Id).ToListAsync(cancellationToken);
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            var connection = db.Database.GetDbConnection();
            // One snapshot for roll-up and delete: on PostgreSQL a concurrent change to a selected
            // call fails the transaction instead of letting the two statements see different rows.
            // SQLite's write transaction already excludes every other writer.
            await using var transaction = await connection.BeginTransactionAsync(
                db.Database.IsNpgsql() ? IsolationLevel.RepeatableRead : IsolationLevel.Serializable, cancellationToken);
            if (db.Database.IsNpgsql())
            {
                // Before the snapshot is taken: see migration 0008 (a summary of this day committed
                // after the snapshot would outlive the calls it counts).
                await ExecuteAsync(connection, transaction, "LOCK TABLE call_day_summaries IN SHARE ROW EXCLUSIVE MODE", "", day, DateTime.MinValue, cancellationToken);
            }

            var now = clock.GetUtcNow().UtcDateTime;
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var calls = 0;
            var events = 0;
            foreach (var workspace in workspaces)
            {
                await ExecuteAsync(connection, transaction, RollUpSql(sql, "call_daily_aggregates", "agent_id, COALESCE(campaign_id, '')",
                    "workspace_id, day, agent_id, campaign_id", "agent_id, campaign_id", ""), workspace, day, now, cancellationToken);
                await ExecuteAsync(connection, transaction, RollUpSql(sql, "campaign_daily_aggregates", "campaign_id",
                    "workspace_id, day, campaign_id", "campaign_id", " AND campaign_id IS NOT NULL"), workspace, day, now, cancellationToken);
            }

            if (faults.AfterRollUp is { } fault)
            {
                await fault(day);
            }

            foreach (var workspace in workspaces)
            {
                events += await ExecuteAsync(connection, transaction,
                    $"DELETE FROM call_events WHERE call_id IN (SELECT id FROM calls WHERE {DayCalls})", workspace, day, now, cancellationToken);
                calls += await ExecuteAsync(connection, transaction, $"DELETE FROM calls WHERE {DayCalls}", workspace, day, now, cancellationToken);
                // The day is no longer read from raw calls; its summary would only be stale.
                await ExecuteAsync(connection, transaction, "DELETE FROM call_day_summaries WHERE workspace_id = @ws AND day = @day", workspace, day, now, cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            return new RetentionDay(day, calls, events, System.Diagnostics.Stopwatch.GetElapsedTime(started));
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private const string DayCalls =
        $"workspace_id = @ws AND created_at >= @day_start AND created_at < @day_end AND state IN ({CallFigureSql.TerminalSqlList})";

    private static string RollUpSql(CallFigureSql sql, string table, string groupColumns, string keyColumns, string insertKeyColumns, string extraFilter)
    {
        var columns = string.Join(", ", sql.Figures.Select(f => f.Column));
        var sums = string.Join(", ", sql.Figures.Select(f => $"SUM({f.Expression})"));
        var additions = string.Join(",\n    ", sql.Figures.Select(f => $"{f.Column} = {table}.{f.Column} + excluded.{f.Column}"));
        return $"""
            INSERT INTO {table} (workspace_id, day, {insertKeyColumns}, {columns}, updated_at)
            SELECT workspace_id, @day, {groupColumns}, {sums}, @now
            FROM calls
            WHERE {DayCalls}{extraFilter}
            GROUP BY workspace_id, {groupColumns}
            ON CONFLICT ({keyColumns}) DO UPDATE SET
                {additions},
                updated_at = excluded.updated_at
            """;
    }

    private static async Task<int> ExecuteAsync(
        DbConnection connection, DbTransaction transaction, string text, string workspace, DateOnly day, DateTime now, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = text;
        command.CommandTimeout = 600;
        // PostgreSQL refuses parameters a statement does not use.
        if (text.Contains("@ws", StringComparison.Ordinal))
        {
            ReportReader.Add(command, "ws", workspace);
        }

        if (text.Contains("@day_start", StringComparison.Ordinal))
        {
            ReportReader.Add(command, "day_start", Start(day));
            ReportReader.Add(command, "day_end", Start(day.AddDays(1)));
        }

        if (DayParameter().IsMatch(text))
        {
            ReportReader.Add(command, "day", day);
        }

        if (text.Contains("@now", StringComparison.Ordinal))
        {
            ReportReader.Add(command, "now", now);
        }

        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"@day\b")]
    private static partial System.Text.RegularExpressions.Regex DayParameter();

    private static async Task<int> DeleteConversationsAsync(OrchestratorDbContext db, DateTime before, CancellationToken cancellationToken) =>
        await db.Conversations.Where(c => c.CreatedAt < before).ExecuteDeleteAsync(cancellationToken);
}

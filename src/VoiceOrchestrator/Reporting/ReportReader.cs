using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Dispatch;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Reporting;

/// <summary>
/// Reads report figures: raw calls for what is still raw, daily aggregates for what retention has
/// rolled up. Retention moves a call from one to the other in a single transaction, so summing both
/// counts every call exactly once whichever side of the retention window it is on. Whole finished
/// days of raw calls are read from their <see cref="DaySummaries"/>, which stand in for them exactly.
/// </summary>
public sealed class ReportReader(OrchestratorDbContext db, IOptions<OrchestratorOptions> options, TimeProvider clock, SqliteWriteGate sqliteWrites)
{
    private readonly CallFigureSql _sql = new(db.Database.IsNpgsql(), ReportingPrices.From(options.Value));

    public async Task<IReadOnlyDictionary<string, ReportTotals>> ReadAsync(ReportScope scope, ReportKey key, CancellationToken cancellationToken)
    {
        var rows = new SortedDictionary<string, ReportTotals>(StringComparer.Ordinal);
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            var connection = db.Database.GetDbConnection();
            var summaries = new DaySummaries(connection, _sql, sqliteWrites);
            var (first, last) = SummarisableDays(scope, today, await SummaryFloorAsync(connection, scope.WorkspaceId, today, cancellationToken));
            await summaries.EnsureAsync(scope.WorkspaceId, first, last, cancellationToken);

            // One snapshot for every part, so that a day cannot be read both from its summary and raw, or from neither.
            await using var snapshot = await ReadSnapshot.BeginAsync(db, cancellationToken);
            var transaction = snapshot.Transaction;
            var summarised = await summaries.SummarisedDaysAsync(transaction, scope.WorkspaceId, first, last, cancellationToken);
            if (summarised.Count > 0)
            {
                await ReadIntoAsync(rows, summaries.ReadCommand(transaction, scope.WorkspaceId, summarised.Min, summarised.Max,
                    SummaryKey(key), scope.CampaignId, scope.AgentId), cancellationToken);
            }

            foreach (var (from, to, toIncluded) in RawRanges(scope, summarised))
            {
                await ReadIntoAsync(rows, RawCommand(connection, transaction, scope, from, to, toIncluded, key), cancellationToken);
            }

            await ReadIntoAsync(rows, AggregateCommand(connection, transaction, scope, key), cancellationToken);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }

        return rows;
    }

    /// <summary>
    /// The whole UTC days of the scope that may be read from summaries: finished (before today) and
    /// not before <paramref name="floor"/>.
    /// </summary>
    internal static (DateOnly First, DateOnly Last) SummarisableDays(ReportScope scope, DateOnly today, DateOnly floor)
    {
        var first = DateOnly.FromDateTime(scope.From);
        if (first < floor)
        {
            first = floor;
        }
        else if (first < today && ReportScope.Start(first) < scope.From)
        {
            first = first.AddDays(1);
        }

        var last = DateOnly.FromDateTime(scope.To);
        if (last >= today)
        {
            last = today.AddDays(-1);
        }
        else if (scope.To < ReportScope.Start(last.AddDays(1)).AddTicks(-1))
        {
            last = last.AddDays(-1);
        }

        return (first, last);
    }

    /// <summary>
    /// The first day worth a summary: the retention window's first day, or the first day retention
    /// rolled up if that is earlier. Days before it were never purged, so the raw query reads them
    /// cheaply (on PostgreSQL, a range retention has just purged is full of deleted rows until
    /// vacuum, which an index scan has to step over; such days are summarised once instead). It
    /// also keeps a range reaching back years from summarising every empty day in it.
    /// </summary>
    private async Task<DateOnly> SummaryFloorAsync(DbConnection connection, string workspaceId, DateOnly today, CancellationToken cancellationToken)
    {
        var window = today.AddDays(-options.Value.RetentionDays);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT MIN(day) FROM call_daily_aggregates WHERE workspace_id = @ws";
        Add(command, "ws", workspaceId);
        var rolledUp = await command.ExecuteScalarAsync(cancellationToken) is { } value and not DBNull ? DaySummaries.ReadDay(value) : window;
        return rolledUp < window ? rolledUp : window;
    }

    /// <summary>The parts of the scope's time range not covered by summarised days, in order; the last one includes <see cref="ReportScope.To"/>.</summary>
    internal static IEnumerable<(DateTime From, DateTime To, bool ToIncluded)> RawRanges(ReportScope scope, SortedSet<DateOnly> summarised)
    {
        var cursor = scope.From;
        foreach (var day in summarised)
        {
            var start = ReportScope.Start(day);
            if (start > cursor)
            {
                yield return (cursor, start, false);
            }

            cursor = ReportScope.Start(day.AddDays(1));
        }

        if (cursor <= scope.To)
        {
            yield return (cursor, scope.To, true);
        }
    }

    /// <summary>Everything in scope as one row.</summary>
    public async Task<ReportTotals> ReadTotalAsync(ReportScope scope, CancellationToken cancellationToken) =>
        (await ReadAsync(scope, ReportKey.None, cancellationToken)).Values.FirstOrDefault() ?? new ReportTotals();

    /// <summary>Calls still to finish (whatever their creation time) and calls finished since <paramref name="since"/>.</summary>
    public async Task<(int Queued, int Active, int FinishedSince)> ReadProgressAsync(
        string workspaceId, string? campaignId, string? agentId, DateTime since, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            var connection = db.Database.GetDbConnection();
            await using var open = connection.CreateCommand();
            open.CommandText = $"""
                SELECT COALESCE(SUM(CASE WHEN state = 'queued' THEN 1 ELSE 0 END), 0),
                       COALESCE(SUM(CASE WHEN state IN ({CallStates.ActiveSqlList}) THEN 1 ELSE 0 END), 0)
                FROM calls
                WHERE workspace_id = @ws AND state IN ('queued',{CallStates.ActiveSqlList}){Filters(open, campaignId, agentId)}
                """;
            Add(open, "ws", workspaceId);
            int queued, active;
            await using (var reader = await open.ExecuteReaderAsync(cancellationToken))
            {
                await reader.ReadAsync(cancellationToken);
                queued = Convert.ToInt32(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture);
                active = Convert.ToInt32(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture);
            }

            await using var ended = connection.CreateCommand();
            ended.CommandText = $"""
                SELECT COUNT(*) FROM calls
                WHERE workspace_id = @ws AND ended_at IS NOT NULL AND ended_at >= @since{Filters(ended, campaignId, agentId)}
                """;
            Add(ended, "ws", workspaceId);
            Add(ended, "since", since);
            var finished = Convert.ToInt32(await ended.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
            return (queued, active, finished);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private string SummaryKey(ReportKey key) => key switch
    {
        ReportKey.Day => _sql.AggregateDay,
        ReportKey.Agent => "agent_id",
        ReportKey.Campaign => "campaign_id",
        _ => "''",
    };

    private DbCommand RawCommand(DbConnection connection, DbTransaction transaction, ReportScope scope, DateTime from, DateTime to, bool toIncluded, ReportKey key)
    {
        var keyExpression = key switch
        {
            ReportKey.Day => _sql.CallDay,
            ReportKey.Agent => "agent_id",
            ReportKey.Campaign => "COALESCE(campaign_id, '')",
            _ => "''",
        };
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"""
            SELECT {keyExpression} AS report_key,
                {_sql.SumOverCalls},
                {CallFigureSql.OpenStateSums}
            FROM calls
            WHERE workspace_id = @ws AND created_at >= @from AND created_at {(toIncluded ? "<=" : "<")} @to{Filters(command, scope.CampaignId, scope.AgentId)}
            {GroupBy(key, keyExpression)}
            """;
        Add(command, "ws", scope.WorkspaceId);
        Add(command, "from", from);
        Add(command, "to", to);
        return command;
    }

    private DbCommand AggregateCommand(DbConnection connection, DbTransaction transaction, ReportScope scope, ReportKey key)
    {
        // The campaign table answers campaign questions with one row per day; anything naming an
        // agent needs the per-agent rows.
        var byCampaign = scope.CampaignId is not null && scope.AgentId is null && key != ReportKey.Agent;
        var keyExpression = key switch
        {
            ReportKey.Day => _sql.AggregateDay,
            ReportKey.Agent => "agent_id",
            ReportKey.Campaign => "campaign_id",
            _ => "''",
        };
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"""
            SELECT {keyExpression} AS report_key,
                {_sql.SumOverAggregates}
            FROM {(byCampaign ? "campaign_daily_aggregates" : "call_daily_aggregates")}
            WHERE workspace_id = @ws AND day >= @from_day AND day <= @to_day{Filters(command, scope.CampaignId, byCampaign ? null : scope.AgentId)}
            {GroupBy(key, keyExpression)}
            """;
        Add(command, "ws", scope.WorkspaceId);
        Add(command, "from_day", scope.FromDay);
        Add(command, "to_day", scope.ToDay);
        return command;
    }

    // PostgreSQL refuses a constant in GROUP BY; one row over everything needs none.
    private static string GroupBy(ReportKey key, string keyExpression) => key == ReportKey.None ? "" : "GROUP BY " + keyExpression;

    private static string Filters(DbCommand command, string? campaignId, string? agentId)
    {
        var sql = "";
        if (campaignId is not null)
        {
            sql += " AND campaign_id = @campaign";
            Add(command, "campaign", campaignId);
        }

        if (agentId is not null)
        {
            sql += " AND agent_id = @agent";
            Add(command, "agent", agentId);
        }

        return sql;
    }

    private static async Task ReadIntoAsync(SortedDictionary<string, ReportTotals> rows, DbCommand command, CancellationToken cancellationToken)
    {
        await using (command)
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            var keyOrdinal = reader.GetOrdinal("report_key");
            while (await reader.ReadAsync(cancellationToken))
            {
                var key = reader.IsDBNull(keyOrdinal) ? "" : reader.GetString(keyOrdinal);
                if (!rows.TryGetValue(key, out var totals))
                {
                    rows[key] = totals = new ReportTotals();
                }

                totals.AddRow(reader);
            }
        }
    }

    internal static void Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}

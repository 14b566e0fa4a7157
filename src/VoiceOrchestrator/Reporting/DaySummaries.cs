using System.Data;
using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using VoiceOrchestrator.Dispatch;

namespace VoiceOrchestrator.Reporting;

/// <summary>
/// The report figures of finished days, cached per workspace, day, agent and campaign in
/// <c>call_day_summaries</c>, so that a report over weeks of raw calls reads a few rows per day
/// instead of every call. A summary is computed with the very expressions the raw query uses, over
/// calls in every state, so it stands in for its day exactly. Triggers on <c>calls</c> invalidate a
/// day whenever one of its calls is inserted, changed or deleted (migration 0008 explains how, per
/// engine); <see cref="EnsureAsync"/> recomputes what is missing or out of date.
/// A day without calls gets one all-zero marker row (agent and campaign ''), so that it counts as
/// summarised without being scanned again.
/// </summary>
public sealed class DaySummaries(DbConnection connection, CallFigureSql sql, SqliteWriteGate sqliteWrites)
{
    // 0x564F4453 ("VODS"): the class of the advisory lock keys the PostgreSQL trigger takes shared.
    private const int LockClass = 1448035411;

    private static readonly string[] OpenStateColumns = ["queued", "dialing", "ringing", "in_progress"];

    private bool Postgres => connection is not SqliteConnection;

    /// <summary>
    /// SQLite: only summaries of the day's current version, so that a read snapshot never takes a
    /// summary its own calls have moved past (PostgreSQL deletes such summaries in the same commit).
    /// </summary>
    private string CurrentOnly => Postgres ? "" : """

         AND version = COALESCE((SELECT v.version FROM call_day_versions v
                                  WHERE v.workspace_id = call_day_summaries.workspace_id AND v.day = call_day_summaries.day), 0)
        """;

    private IEnumerable<string> Columns => sql.Figures.Select(f => f.Column).Concat(OpenStateColumns);

    /// <summary>The raw query of one day, grouped as the summaries are.</summary>
    private string DaySelect => $"""
        SELECT agent_id, COALESCE(campaign_id, '') AS campaign_id,
            {sql.SumOverCalls},
            {CallFigureSql.OpenStateSums}
        FROM calls
        WHERE workspace_id = @ws AND created_at >= @day_start AND created_at < @day_end
        GROUP BY agent_id, COALESCE(campaign_id, '')
        """;

    /// <summary>Computes the summaries of <paramref name="first"/>..<paramref name="last"/> that are missing or out of date. The connection must be open and outside a transaction.</summary>
    public Task EnsureAsync(string workspaceId, DateOnly first, DateOnly last, CancellationToken cancellationToken) =>
        first > last ? Task.CompletedTask
        : Postgres ? EnsurePostgresAsync(workspaceId, first, last, cancellationToken)
        : EnsureSqliteAsync(workspaceId, first, last, cancellationToken);

    /// <summary>The days of <paramref name="first"/>..<paramref name="last"/> that have a summary.</summary>
    public async Task<SortedSet<DateOnly>> SummarisedDaysAsync(
        DbTransaction? transaction, string workspaceId, DateOnly first, DateOnly last, CancellationToken cancellationToken)
    {
        var days = new SortedSet<DateOnly>();
        if (first > last)
        {
            return days;
        }

        await using var command = Command(transaction,
            $"SELECT DISTINCT day FROM call_day_summaries WHERE workspace_id = @ws AND day >= @first AND day <= @last{CurrentOnly}", workspaceId);
        ReportReader.Add(command, "first", first);
        ReportReader.Add(command, "last", last);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            days.Add(ReadDay(reader.GetValue(0)));
        }

        return days;
    }

    /// <summary>
    /// Summed figures of <paramref name="first"/>..<paramref name="last"/> keyed by
    /// <c>report_key</c>, with the same column names as the raw and aggregate queries.
    /// </summary>
    public DbCommand ReadCommand(
        DbTransaction? transaction, string workspaceId, DateOnly first, DateOnly last, string keyExpression, string? campaignId, string? agentId)
    {
        var filters = "";
        var command = Command(transaction, "", workspaceId);
        if (campaignId is not null)
        {
            filters += " AND campaign_id = @campaign";
            ReportReader.Add(command, "campaign", campaignId);
        }

        if (agentId is not null)
        {
            filters += " AND agent_id = @agent";
            ReportReader.Add(command, "agent", agentId);
        }

        ReportReader.Add(command, "first", first);
        ReportReader.Add(command, "last", last);
        // Marker rows of empty days hold zeros only; they are left out so that they cannot show up as a key.
        command.CommandText = $"""
            SELECT {keyExpression} AS report_key,
                {string.Join(",\n    ", Columns.Select(c => $"SUM({c}) AS {c}"))}
            FROM call_day_summaries
            WHERE workspace_id = @ws AND day >= @first AND day <= @last AND total_calls > 0{CurrentOnly}{filters}
            {(keyExpression == "''" ? "" : "GROUP BY " + keyExpression)}
            """;
        return command;
    }

    private async Task EnsurePostgresAsync(string workspaceId, DateOnly first, DateOnly last, CancellationToken cancellationToken)
    {
        var present = await SummarisedDaysAsync(null, workspaceId, first, last, cancellationToken);
        var columns = string.Join(", ", Columns);
        for (var day = first; day <= last; day = day.AddDays(1))
        {
            if (present.Contains(day))
            {
                continue;
            }

            // The lock is taken before the statement that reads the calls starts, so its snapshot
            // holds every change whose trigger got the shared lock first; later changes wait for
            // this commit and then delete what it wrote.
            await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
            await ExecuteAsync(transaction, "LOCK TABLE call_day_summaries IN ROW EXCLUSIVE MODE", workspaceId, day, cancellationToken);
            await ExecuteAsync(transaction, $"SELECT pg_advisory_xact_lock({LockClass}, call_day_lock_key(@ws, @day))", workspaceId, day, cancellationToken);
            await ExecuteAsync(transaction, $"""
                INSERT INTO call_day_summaries (workspace_id, day, agent_id, campaign_id, {columns})
                SELECT @ws, @day, day_calls.*
                FROM ({DaySelect}) AS day_calls
                WHERE NOT EXISTS (SELECT 1 FROM call_day_summaries WHERE workspace_id = @ws AND day = @day)
                """, workspaceId, day, cancellationToken);
            await ExecuteAsync(transaction, $"""
                INSERT INTO call_day_summaries (workspace_id, day, agent_id, campaign_id, {columns})
                SELECT @ws, @day, '', '', {string.Join(", ", Columns.Select(_ => "0"))}
                WHERE NOT EXISTS (SELECT 1 FROM call_day_summaries WHERE workspace_id = @ws AND day = @day)
                """, workspaceId, day, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
    }

    private async Task EnsureSqliteAsync(string workspaceId, DateOnly first, DateOnly last, CancellationToken cancellationToken)
    {
        var sqlite = (SqliteConnection)connection;
        var computed = new List<(DateOnly Day, long Version, List<object[]> Rows)>();

        // Read everything from one snapshot, without the write lock: the day's version and its
        // calls agree, and the dispatcher keeps writing meanwhile.
        await using (var snapshot = sqlite.BeginTransaction(IsolationLevel.Serializable, deferred: true))
        {
            var versions = await DayValuesAsync(snapshot, "SELECT day, version FROM call_day_versions", workspaceId, first, last, cancellationToken);
            var summarised = await DayValuesAsync(snapshot, "SELECT day, MIN(version) FROM call_day_summaries", workspaceId, first, last, cancellationToken, "GROUP BY day");
            for (var day = first; day <= last; day = day.AddDays(1))
            {
                var version = versions.GetValueOrDefault(day);
                if (summarised.TryGetValue(day, out var summaryVersion) && summaryVersion == version)
                {
                    continue;
                }

                var rows = new List<object[]>();
                await using var command = Command(snapshot, DaySelect, workspaceId);
                AddDayBounds(command, day);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    var values = new object[reader.FieldCount];
                    reader.GetValues(values);
                    rows.Add(values);
                }

                computed.Add((day, version, rows));
            }
        }

        if (computed.Count == 0)
        {
            return;
        }

        // Stored with the version they were computed from: if a call changed since the snapshot,
        // the day's version has moved on and the next request computes the day again.
        var names = new[] { "agent_id", "campaign_id" }.Concat(Columns).ToArray();
        using var turn = await sqliteWrites.EnterAsync(cancellationToken);
        await using var write = sqlite.BeginTransaction(deferred: false);
        foreach (var (day, version, rows) in computed)
        {
            await ExecuteAsync(write, "DELETE FROM call_day_summaries WHERE workspace_id = @ws AND day = @day", workspaceId, day, cancellationToken);
            if (rows.Count == 0)
            {
                rows.Add(["", "", .. Columns.Select(_ => (object)0L)]);
            }

            await using var insert = Command(write, $"""
                INSERT INTO call_day_summaries (workspace_id, day, version, {string.Join(", ", names)})
                VALUES (@ws, @day, @version, {string.Join(", ", names.Select((_, i) => "@v" + i.ToString(CultureInfo.InvariantCulture)))})
                """, workspaceId);
            ReportReader.Add(insert, "day", day);
            ReportReader.Add(insert, "version", version);
            var parameters = names.Select((_, i) =>
            {
                var parameter = insert.CreateParameter();
                parameter.ParameterName = "v" + i.ToString(CultureInfo.InvariantCulture);
                insert.Parameters.Add(parameter);
                return parameter;
            }).ToArray();
            foreach (var row in rows)
            {
                for (var i = 0; i < parameters.Length; i++)
                {
                    parameters[i].Value = row[i];
                }

                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        await write.CommitAsync(cancellationToken);
    }

    private async Task<Dictionary<DateOnly, long>> DayValuesAsync(
        DbTransaction transaction, string select, string workspaceId, DateOnly first, DateOnly last, CancellationToken cancellationToken, string tail = "")
    {
        await using var command = Command(transaction, $"{select} WHERE workspace_id = @ws AND day >= @first AND day <= @last {tail}", workspaceId);
        ReportReader.Add(command, "first", first);
        ReportReader.Add(command, "last", last);
        var values = new Dictionary<DateOnly, long>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            values[ReadDay(reader.GetValue(0))] = reader.GetInt64(1);
        }

        return values;
    }

    private async Task ExecuteAsync(DbTransaction transaction, string text, string workspaceId, DateOnly day, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = text;
        command.CommandTimeout = 600;
        if (!text.Contains("@ws", StringComparison.Ordinal))
        {
            // PostgreSQL refuses parameters a statement does not use.
            await command.ExecuteNonQueryAsync(cancellationToken);
            return;
        }

        ReportReader.Add(command, "ws", workspaceId);
        ReportReader.Add(command, "day", day);
        if (text.Contains("@day_start", StringComparison.Ordinal))
        {
            AddDayBounds(command, day);
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private DbCommand Command(DbTransaction? transaction, string text, string workspaceId)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = text;
        ReportReader.Add(command, "ws", workspaceId);
        return command;
    }

    private static void AddDayBounds(DbCommand command, DateOnly day)
    {
        ReportReader.Add(command, "day_start", ReportScope.Start(day));
        ReportReader.Add(command, "day_end", ReportScope.Start(day.AddDays(1)));
    }

    /// <summary>A <c>day</c> column's value as each engine returns it (PostgreSQL a date, SQLite text).</summary>
    internal static DateOnly ReadDay(object value) => value switch
    {
        DateOnly day => day,
        DateTime time => DateOnly.FromDateTime(time),
        string text => DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture),
        _ => throw new InvalidOperationException($"Unexpected day value {value}."),
    };
}

using System.Globalization;

namespace VoiceOrchestrator.Reporting;

/// <summary>
/// How each figure of <see cref="DailyCallTotals"/> is computed from one row of <c>calls</c>, as SQL
/// summed over a set of calls. Retention's roll-up and the reports over raw calls both use these
/// expressions, so a day gives the same figures before and after it is rolled up.
/// </summary>
public sealed class CallFigureSql
{
    /// <summary>States a call can end in; only these are rolled up and purged.</summary>
    public const string TerminalSqlList = "'completed','busy','no_answer','machine_detected','failed','cancelled','expired'";

    /// <summary>Calls still open, by state, summed over raw calls (the totals count them; no aggregate holds them).</summary>
    public const string OpenStateSums = """
        SUM(CASE WHEN state = 'queued' THEN 1 ELSE 0 END) AS queued,
            SUM(CASE WHEN state = 'dialing' THEN 1 ELSE 0 END) AS dialing,
            SUM(CASE WHEN state = 'ringing' THEN 1 ELSE 0 END) AS ringing,
            SUM(CASE WHEN state = 'in_progress' THEN 1 ELSE 0 END) AS in_progress
        """;

    private readonly bool _postgres;

    public CallFigureSql(bool postgres, ReportingPrices prices)
    {
        _postgres = postgres;
        var sixty = Literal(60);
        var real = postgres ? "double precision" : "REAL";
        var integer = postgres ? "bigint" : "INTEGER";
        var sipTrunk = postgres ? "sip_trunk_used" : "sip_trunk_used <> 0";
        const string answeredBy = "COALESCE(answered_by, amd_status)";
        const string human = $"{answeredBy} = 'human'";
        const string machine = $"({answeredBy} LIKE 'machine%' OR {answeredBy} = 'fax')";
        const string duration = "COALESCE(duration_secs, 0)";
        var billable = $"CAST(({duration} + 59) / 60 AS {real})";
        const string quality = """
            (CASE WHEN mos_score IS NOT NULL THEN
                    CASE WHEN mos_score >= 4.2 THEN 4 WHEN mos_score >= 3.6 THEN 3 WHEN mos_score >= 3.1 THEN 2 ELSE 1 END
                  WHEN jitter IS NOT NULL AND packet_loss IS NOT NULL THEN
                    CASE WHEN packet_loss < 1 AND jitter < 10 THEN 4 WHEN packet_loss < 3 AND jitter < 30 THEN 3
                         WHEN packet_loss < 5 AND jitter < 50 THEN 2 ELSE 1 END
                  WHEN call_quality = 'excellent' THEN 4 WHEN call_quality = 'good' THEN 3
                  WHEN call_quality = 'fair' THEN 2 WHEN call_quality = 'poor' THEN 1 END)
            """;
        const string network = "jitter IS NOT NULL AND packet_loss IS NOT NULL";

        string Scaled(int factor, string expression) => $"CAST(ROUND(({expression}) * {factor}) AS {integer})";
        string Count(string condition) => $"CASE WHEN {condition} THEN 1 ELSE 0 END";
        string State(string state) => Count($"state = '{state}'");
        string Secs(string state) => $"CASE WHEN state = '{state}' THEN {duration} ELSE 0 END";

        Figures =
        [
            new("total_calls", "1"),
            new("completed", State("completed")),
            new("busy", State("busy")),
            new("no_answer", State("no_answer")),
            new("machine_detected", State("machine_detected")),
            new("failed", State("failed")),
            new("cancelled", State("cancelled")),
            new("expired", State("expired")),
            new("amd_human", Count(human)),
            new("amd_machine", Count(machine)),
            new("amd_unknown", Count($"{answeredBy} IS NOT NULL AND NOT ({human}) AND NOT {machine}")),
            new("amd_false_positive", Count($"{human} AND state = 'machine_detected'")),
            new("total_duration_secs", duration),
            new("completed_secs", Secs("completed")),
            new("busy_secs", Secs("busy")),
            new("no_answer_secs", Secs("no_answer")),
            new("machine_detected_secs", Secs("machine_detected")),
            new("failed_secs", Secs("failed")),
            new("cancelled_secs", Secs("cancelled")),
            new("expired_secs", Secs("expired")),
            new("billable_minutes", $"({duration} + 59) / 60"),
            new("cost_twilio_micros", Scaled(1_000_000,
                $"COALESCE(cost_twilio, CASE WHEN {sipTrunk} THEN 0 ELSE {billable} * {Literal(prices.TwilioPerMinute)} END"
                + $" + CASE WHEN {answeredBy} IS NOT NULL THEN {Literal(prices.TwilioAmdPerCall)} ELSE 0 END)")),
            new("cost_eleven_labs_micros", Scaled(1_000_000,
                $"COALESCE(cost_eleven_labs, CASE WHEN {machine} THEN 0 ELSE {duration} * {Literal(prices.ElevenLabsPerMinute)} / {sixty} END)")),
            new("estimated_savings_micros", $"CASE WHEN {machine} THEN {Math.Round(prices.VoicemailCost * 1_000_000).ToString(CultureInfo.InvariantCulture)} ELSE 0 END"),
            new("quality_samples", Count($"{quality} IS NOT NULL")),
            new("mos_samples", Count("mos_score IS NOT NULL")),
            new("network_samples", Count(network)),
            new("mos_sum_milli", Scaled(1_000, "COALESCE(mos_score, 0)")),
            new("jitter_sum_milli", Scaled(1_000, $"CASE WHEN {network} THEN jitter ELSE 0 END")),
            new("packet_loss_sum_milli", Scaled(1_000, $"CASE WHEN {network} THEN packet_loss ELSE 0 END")),
            new("quality_excellent", Count($"{quality} = 4")),
            new("quality_good", Count($"{quality} = 3")),
            new("quality_fair", Count($"{quality} = 2")),
            new("quality_poor", Count($"{quality} = 1")),
        ];
    }

    /// <summary>Every aggregate column with the per-call expression that feeds it.</summary>
    public IReadOnlyList<Figure> Figures { get; }

    /// <summary>The UTC day of a call's creation, as 'yyyy-MM-dd'.</summary>
    public string CallDay => _postgres ? "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')" : "substr(created_at, 1, 10)";

    /// <summary>An aggregate row's day, as 'yyyy-MM-dd'.</summary>
    public string AggregateDay => _postgres ? "to_char(day, 'YYYY-MM-DD')" : "day";

    /// <summary><c>SUM(expr) AS column</c> for every figure, over raw calls.</summary>
    public string SumOverCalls => string.Join(",\n    ", Figures.Select(f => $"SUM({f.Expression}) AS {f.Column}"));

    /// <summary><c>SUM(column) AS column</c> for every figure, over aggregate rows.</summary>
    public string SumOverAggregates => string.Join(",\n    ", Figures.Select(f => $"SUM({f.Column}) AS {f.Column}"));

    // PostgreSQL reads a decimal literal as numeric, which would make raw sums exact decimals while
    // the aggregates hold doubles; both sides must add the same doubles.
    private string Literal(double value) =>
        _postgres ? $"CAST({value.ToString("R", CultureInfo.InvariantCulture)} AS double precision)" : value.ToString("R", CultureInfo.InvariantCulture);

    public sealed record Figure(string Column, string Expression);
}

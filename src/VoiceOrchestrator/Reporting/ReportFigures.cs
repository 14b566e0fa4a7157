namespace VoiceOrchestrator.Reporting;

/// <summary>Turns summed totals into the figures the reports show; every formula is described in the README.</summary>
public static class ReportFigures
{
    /// <summary>Calls finished in this window set the "current rate" of a dashboard's ETA.</summary>
    public static readonly TimeSpan RateWindow = TimeSpan.FromHours(1);

    public static ReportRow Row(string key, ReportTotals totals)
    {
        var t = totals.Totals;
        return new ReportRow(key, t.TotalCalls, t.Completed, Minutes(t.TotalDurationSecs), Average(t.CompletedSecs, t.Completed));
    }

    /// <summary>One row per call status; the average is that status's own.</summary>
    public static IReadOnlyList<ReportRow> ByStatus(ReportTotals totals)
    {
        var t = totals.Totals;
        (string Status, int Count, long Secs)[] states =
        [
            ("queued", totals.Queued, 0), ("dialing", totals.Dialing, 0), ("ringing", totals.Ringing, 0), ("in_progress", totals.InProgress, 0),
            ("completed", t.Completed, t.CompletedSecs), ("busy", t.Busy, t.BusySecs), ("no_answer", t.NoAnswer, t.NoAnswerSecs),
            ("machine_detected", t.MachineDetected, t.MachineDetectedSecs), ("failed", t.Failed, t.FailedSecs),
            ("cancelled", t.Cancelled, t.CancelledSecs), ("expired", t.Expired, t.ExpiredSecs),
        ];
        return states.Where(s => s.Count > 0)
            .Select(s => new ReportRow(s.Status, s.Count, s.Status == "completed" ? s.Count : 0, Minutes(s.Secs), Average(s.Secs, s.Count)))
            .ToList();
    }

    public static StatusCounts Statuses(ReportTotals totals)
    {
        var t = totals.Totals;
        return new StatusCounts(totals.Queued, totals.Dialing, totals.Ringing, totals.InProgress,
            t.Completed, t.Busy, t.NoAnswer, t.MachineDetected, t.Failed, t.Cancelled, t.Expired);
    }

    public static UsageReport Usage(ReportScope scope, ReportTotals total, IReadOnlyDictionary<string, ReportTotals> days)
    {
        var t = total.Totals;
        return new UsageReport(scope.From, scope.To, t.TotalCalls, Minutes(t.TotalDurationSecs), Round(t.BillableMinutes, 2), Average(t.CompletedSecs, t.Completed),
            days.Select(d => new UsageDay(d.Key, d.Value.Totals.TotalCalls, Minutes(d.Value.Totals.TotalDurationSecs),
                Round(d.Value.Totals.BillableMinutes, 2), Average(d.Value.Totals.CompletedSecs, d.Value.Totals.Completed))).ToList());
    }

    public static AmdStatsReport Amd(ReportTotals totals)
    {
        var t = totals.Totals;
        var screened = t.AmdHuman + t.AmdMachine + t.AmdUnknown;
        return new AmdStatsReport(
            t.TotalCalls,
            screened,
            new AmdCounts(t.AmdHuman, t.AmdMachine, t.AmdUnknown),
            new AmdEfficiency(Percent(t.AmdHuman, screened), Percent(t.AmdMachine, screened), Percent(t.AmdFalsePositive, t.AmdHuman)),
            new AmdSavings(t.AmdMachine, Dollars(t.EstimatedSavingsMicros)));
    }

    public static CostAnalysisReport Cost(ReportTotals totals)
    {
        var t = totals.Totals;
        var total = (t.CostTwilioMicros + t.CostElevenLabsMicros) / 1_000_000.0;
        var minutes = t.TotalDurationSecs / 60.0;
        return new CostAnalysisReport(
            t.TotalCalls,
            Minutes(t.TotalDurationSecs),
            Round(t.BillableMinutes, 2),
            new CostBreakdown(Dollars(t.CostTwilioMicros), Dollars(t.CostElevenLabsMicros), Dollars(t.CostTwilioMicros + t.CostElevenLabsMicros)),
            minutes > 0 ? Round(total / minutes, 4) : 0,
            t.TotalCalls > 0 ? Round(total / t.TotalCalls, 4) : 0,
            Dollars(t.EstimatedSavingsMicros));
    }

    public static QualityMetricsReport Quality(ReportTotals totals)
    {
        var t = totals.Totals;
        var finished = totals.Finished;
        double? score = t.QualitySamples > 0
            ? Round((4.0 * t.QualityExcellent + 3.0 * t.QualityGood + 2.0 * t.QualityFair + t.QualityPoor) / t.QualitySamples, 2)
            : null;
        return new QualityMetricsReport(
            score,
            new QualityDistribution(t.QualityExcellent, t.QualityGood, t.QualityFair, t.QualityPoor),
            new TechnicalMetrics(
                t.NetworkSamples > 0 ? Round(t.JitterSumMilli / 1000.0 / t.NetworkSamples, 2) : null,
                t.NetworkSamples > 0 ? Round(t.PacketLossSumMilli / 1000.0 / t.NetworkSamples, 2) : null,
                t.MosSamples > 0 ? Round(t.MosSumMilli / 1000.0 / t.MosSamples, 2) : null),
            t.QualitySamples,
            Math.Max(0, finished - t.QualitySamples));
    }

    public static Progress Progress(ReportTotals totals, (int Queued, int Active, int FinishedSince) now, DateTime at)
    {
        var perMinute = now.FinishedSince / RateWindow.TotalMinutes;
        var remaining = now.Queued + now.Active;
        double? eta = remaining == 0 ? 0 : perMinute > 0 ? Round(remaining / perMinute, 1) : null;
        return new Progress(now.Queued, now.Active, totals.Finished, Round(perMinute, 2), eta, eta is { } minutes ? at.AddMinutes(minutes) : null);
    }

    private static double Dollars(long micros) => Round(micros / 1_000_000.0, 4);

    private static double Minutes(long secs) => Round(secs / 60.0, 2);

    private static double Average(long secs, int count) => count > 0 ? Round((double)secs / count, 2) : 0;

    private static double Percent(int part, int whole) => whole > 0 ? Round(100.0 * part / whole, 2) : 0;

    private static double Round(double value, int digits) => Math.Round(value, digits, MidpointRounding.AwayFromZero);
}

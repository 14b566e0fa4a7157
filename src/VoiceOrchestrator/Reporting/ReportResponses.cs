namespace VoiceOrchestrator.Reporting;

// Response shapes of the Voice Orchestrator's reporting routes. Money is US dollars rounded to
// 4 decimals, minutes and averages to 2, rates are percentages rounded to 2.

public sealed record ReportRow(string Key, int TotalCalls, int CompletedCalls, double TotalMinutes, double AverageDuration);

public sealed record CallReport(string GroupBy, DateTime From, DateTime To, IReadOnlyList<ReportRow> Rows, ReportRow Totals);

public sealed record UsageDay(string Date, int TotalCalls, double TotalMinutes, double BillableMinutes, double AverageDuration);

public sealed record UsageReport(
    DateTime From, DateTime To, int TotalCalls, double TotalMinutes, double BillableMinutes, double AverageDuration, IReadOnlyList<UsageDay> Days);

public sealed record AmdCounts(int Human, int Machine, int Unknown);

public sealed record AmdEfficiency(double HumanDetectionRate, double MachineDetectionRate, double FalsePositiveRate);

public sealed record AmdSavings(int VoicemailsAvoided, double EstimatedSavings);

public sealed record AmdStatsReport(int TotalCalls, int ScreenedCalls, AmdCounts AmdStats, AmdEfficiency AmdEfficiency, AmdSavings CostSavings);

public sealed record CostBreakdown(double Twilio, double ElevenLabs, double Total);

public sealed record CostAnalysisReport(
    int TotalCalls, double TotalMinutes, double BillableMinutes, CostBreakdown CostBreakdown, double CostPerMinute, double CostPerCall, double SavingsFromAMD);

public sealed record QualityDistribution(int Excellent, int Good, int Fair, int Poor);

public sealed record TechnicalMetrics(double? AverageJitter, double? AveragePacketLoss, double? AverageMOS);

public sealed record QualityMetricsReport(
    double? AverageCallQuality, QualityDistribution QualityDistribution, TechnicalMetrics TechnicalMetrics, int CallsWithMetrics, int CallsWithoutMetrics);

public sealed record StatusCounts(
    int Queued, int Dialing, int Ringing, int InProgress, int Completed, int Busy, int NoAnswer, int MachineDetected, int Failed, int Cancelled, int Expired);

public sealed record Progress(int Queued, int Active, int Done, double CallsPerMinute, double? EtaMinutes, DateTime? EstimatedCompletionAt);

public sealed record DashboardReport(
    string? CampaignId,
    string? CampaignName,
    string? CampaignStatus,
    DateTime From,
    DateTime To,
    int TotalCalls,
    StatusCounts ByStatus,
    UsageReport Usage,
    AmdStatsReport AmdStats,
    CostAnalysisReport CostAnalysis,
    QualityMetricsReport QualityMetrics,
    Progress Progress);

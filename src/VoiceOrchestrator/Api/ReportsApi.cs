using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using VoiceOrchestrator.Campaigns;
using VoiceOrchestrator.Hosting;
using VoiceOrchestrator.Reporting;
using VoiceOrchestrator.Tenancy;

namespace VoiceOrchestrator.Api;

/// <summary>
/// The Voice Orchestrator's reporting routes. Each reads raw calls and rolled-up days together (see
/// <see cref="ReportReader"/>), so a range gives the same totals before and after retention.
/// </summary>
public static class ReportsApi
{
    /// <summary>Longest range one report may cover.</summary>
    public const int MaxRangeDays = 3_660;

    /// <summary>Range when 'from' is not given: the 30 days ending at 'to'.</summary>
    public const int DefaultRangeDays = 30;

    public static RouteGroupBuilder MapReportsApi(this IEndpointRouteBuilder app)
    {
        // Literal segments outrank /calls/{id}, so these never reach the call resource.
        var group = app.MapGroup("/calls").RequireAuthorization(AuthorizationPolicies.Workspace).WithTags("Reports");
        group.MapGet("/report", Report).WithSummary("Calls, minutes and average duration grouped by agent, day, campaign or status.")
            .WithDescription("Accept: text/csv or format=csv answers CSV.")
            .Produces<CallReport>(StatusCodes.Status200OK, "application/json", CsvOutput.ContentType).ProducesValidationProblem();
        group.MapGet("/usage", Usage).WithSummary("Total calls, minutes, billable minutes and average duration, per day.")
            .Produces<UsageReport>().ProducesValidationProblem();
        group.MapGet("/amd-stats", AmdStats).WithSummary("Answering machine detection outcomes, efficiency and voicemail savings.")
            .Produces<AmdStatsReport>().ProducesValidationProblem();
        group.MapGet("/cost-analysis", CostAnalysis).WithSummary("Twilio and ElevenLabs costs, per minute and per call, and AMD savings.")
            .Produces<CostAnalysisReport>().ProducesValidationProblem();
        group.MapGet("/quality-metrics", QualityMetrics).WithSummary("Call quality from Twilio Voice Insights figures; calls without figures are counted apart.")
            .Produces<QualityMetricsReport>().ProducesValidationProblem();
        group.MapGet("/campaign-dashboard", CampaignDashboard).WithSummary("Every report for one campaign, with its progress and ETA.")
            .Produces<DashboardReport>().ProducesValidationProblem().ProducesProblem(404);
        group.MapGet("/workspace-overview", WorkspaceOverview).WithSummary("Every report for the workspace, with its progress and ETA.")
            .Produces<DashboardReport>().ProducesValidationProblem();
        return group;
    }

    public static async Task<IResult> Report(
        [AsParameters] ReportQuery query, HttpContext http, WorkspaceResolver resolver, ReportReader reader, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        ReportKey? key = query.GroupBy?.ToLowerInvariant() switch
        {
            null or "" or "day" => ReportKey.Day,
            "agent" => ReportKey.Agent,
            "campaign" => ReportKey.Campaign,
            "status" => ReportKey.None,
            _ => null,
        };
        if (key is null)
        {
            errors.Add("groupBy", "Must be one of agent, day, campaign, status.");
        }

        var (scope, error) = await ResolveAsync(query, http.User, resolver, clock, errors, cancellationToken);
        if (error is not null)
        {
            return error;
        }

        var groupBy = string.IsNullOrEmpty(query.GroupBy) ? "day" : query.GroupBy.ToLowerInvariant();
        var grouped = await reader.ReadAsync(scope!, key!.Value, cancellationToken);
        var total = Sum(grouped.Values);
        var rows = groupBy == "status"
            ? ReportFigures.ByStatus(total)
            : grouped.Select(g => ReportFigures.Row(g.Key, g.Value)).ToList();
        if (CsvOutput.IsWanted(http.Request))
        {
            return CsvOutput.Write($"calls-report-{groupBy}.csv", [groupBy, "totalCalls", "completedCalls", "totalMinutes", "averageDuration"],
                rows.Select(r => (IReadOnlyList<object?>)[r.Key, r.TotalCalls, r.CompletedCalls, r.TotalMinutes, r.AverageDuration]));
        }

        return TypedResults.Ok(new CallReport(groupBy, scope!.From, scope.To, rows, ReportFigures.Row("total", total)));
    }

    public static async Task<IResult> Usage(
        [AsParameters] ReportQuery query, ClaimsPrincipal user, WorkspaceResolver resolver, ReportReader reader, TimeProvider clock, CancellationToken cancellationToken)
    {
        var (scope, error) = await ResolveAsync(query, user, resolver, clock, new ValidationErrors(), cancellationToken);
        if (error is not null)
        {
            return error;
        }

        var days = await reader.ReadAsync(scope!, ReportKey.Day, cancellationToken);
        return TypedResults.Ok(ReportFigures.Usage(scope!, Sum(days.Values), days));
    }

    public static Task<IResult> AmdStats(
        [AsParameters] ReportQuery query, ClaimsPrincipal user, WorkspaceResolver resolver, ReportReader reader, TimeProvider clock, CancellationToken cancellationToken) =>
        TotalsReportAsync(query, user, resolver, reader, clock, ReportFigures.Amd, cancellationToken);

    public static Task<IResult> CostAnalysis(
        [AsParameters] ReportQuery query, ClaimsPrincipal user, WorkspaceResolver resolver, ReportReader reader, TimeProvider clock, CancellationToken cancellationToken) =>
        TotalsReportAsync(query, user, resolver, reader, clock, ReportFigures.Cost, cancellationToken);

    public static Task<IResult> QualityMetrics(
        [AsParameters] ReportQuery query, ClaimsPrincipal user, WorkspaceResolver resolver, ReportReader reader, TimeProvider clock, CancellationToken cancellationToken) =>
        TotalsReportAsync(query, user, resolver, reader, clock, ReportFigures.Quality, cancellationToken);

    public static async Task<IResult> CampaignDashboard(
        [AsParameters] ReportQuery query, ClaimsPrincipal user, WorkspaceResolver resolver, ReportReader reader, CampaignDirectory campaigns,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (string.IsNullOrWhiteSpace(query.CampaignId))
        {
            errors.Add("campaignId", "Required: the campaign to report on.");
        }

        var (scope, error) = await ResolveAsync(query, user, resolver, clock, errors, cancellationToken);
        if (error is not null)
        {
            return error;
        }

        var campaign = await campaigns.FindAsync(scope!.WorkspaceId, query.CampaignId!, cancellationToken);
        if (campaign is null)
        {
            return Problems.NotFound($"Campaign '{query.CampaignId}'");
        }

        return TypedResults.Ok(await DashboardAsync(scope, reader, clock, campaign, cancellationToken));
    }

    public static async Task<IResult> WorkspaceOverview(
        [AsParameters] ReportQuery query, ClaimsPrincipal user, WorkspaceResolver resolver, ReportReader reader, TimeProvider clock, CancellationToken cancellationToken)
    {
        var (scope, error) = await ResolveAsync(query, user, resolver, clock, new ValidationErrors(), cancellationToken);
        if (error is not null)
        {
            return error;
        }

        return TypedResults.Ok(await DashboardAsync(scope!, reader, clock, null, cancellationToken));
    }

    private static async Task<DashboardReport> DashboardAsync(ReportScope scope, ReportReader reader, TimeProvider clock, Campaign? campaign, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var days = await reader.ReadAsync(scope, ReportKey.Day, cancellationToken);
        var total = Sum(days.Values);
        var progress = await reader.ReadProgressAsync(scope.WorkspaceId, scope.CampaignId, scope.AgentId, now - ReportFigures.RateWindow, cancellationToken);
        return new DashboardReport(
            campaign?.Id,
            campaign?.Name,
            campaign?.Status.ToString().ToLowerInvariant(),
            scope.From,
            scope.To,
            total.Totals.TotalCalls,
            ReportFigures.Statuses(total),
            ReportFigures.Usage(scope, total, days),
            ReportFigures.Amd(total),
            ReportFigures.Cost(total),
            ReportFigures.Quality(total),
            ReportFigures.Progress(total, progress, now));
    }

    private static async Task<IResult> TotalsReportAsync<T>(
        ReportQuery query, ClaimsPrincipal user, WorkspaceResolver resolver, ReportReader reader, TimeProvider clock,
        Func<ReportTotals, T> figures, CancellationToken cancellationToken)
    {
        var (scope, error) = await ResolveAsync(query, user, resolver, clock, new ValidationErrors(), cancellationToken);
        if (error is not null)
        {
            return error;
        }

        return TypedResults.Ok(figures(await reader.ReadTotalAsync(scope!, cancellationToken)));
    }

    private static ReportTotals Sum(IEnumerable<ReportTotals> parts)
    {
        var sum = new ReportTotals();
        foreach (var part in parts)
        {
            sum.Add(part);
        }

        return sum;
    }

    private static async Task<(ReportScope? Scope, IResult? Error)> ResolveAsync(
        ReportQuery query, ClaimsPrincipal user, WorkspaceResolver resolver, TimeProvider clock, ValidationErrors errors, CancellationToken cancellationToken)
    {
        var workspace = await resolver.ResolveAsync(user, query.WorkspaceId, cancellationToken);
        if (workspace.Error is not null)
        {
            return (null, workspace.Error);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var to = now;
        if (query.To is { Length: > 0 } rawTo)
        {
            if (DateParsing.TryParseBound(rawTo, isStart: false, out var parsed))
            {
                to = parsed;
            }
            else
            {
                errors.Add("to", "Must be a date (yyyy-MM-dd) or an ISO 8601 timestamp.");
            }
        }

        var from = to < DateTime.MinValue.AddDays(DefaultRangeDays) ? DateTime.MinValue : to.Date.AddDays(1 - DefaultRangeDays);
        if (query.From is { Length: > 0 } rawFrom)
        {
            if (DateParsing.TryParseBound(rawFrom, isStart: true, out var parsed))
            {
                from = parsed;
            }
            else
            {
                errors.Add("from", "Must be a date (yyyy-MM-dd) or an ISO 8601 timestamp.");
            }
        }

        if (errors.IsEmpty && from > to)
        {
            errors.Add("from", "Must not be after 'to'.");
        }
        else if (errors.IsEmpty && (to - from).TotalDays > MaxRangeDays)
        {
            errors.Add("from", $"The range may cover at most {MaxRangeDays} days.");
        }

        if (query.CampaignId is { Length: 0 })
        {
            errors.Add("campaignId", "Must not be empty.");
        }

        if (query.AgentId is { Length: 0 })
        {
            errors.Add("agentId", "Must not be empty.");
        }

        return errors.IsEmpty
            ? (new ReportScope(workspace.WorkspaceId!, DateTime.SpecifyKind(from, DateTimeKind.Utc), DateTime.SpecifyKind(to, DateTimeKind.Utc), query.CampaignId, query.AgentId), null)
            : (null, errors.ToResult());
    }
}

/// <summary>Query string of every report: the range, the optional campaign and agent, and the grouping where it applies.</summary>
public sealed record ReportQuery(string? WorkspaceId, string? From, string? To, string? CampaignId, string? AgentId, string? GroupBy, string? Format);

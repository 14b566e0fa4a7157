using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Hosting;
using VoiceOrchestrator.Campaigns;
using VoiceOrchestrator.Storage;
using VoiceOrchestrator.Tenancy;

namespace VoiceOrchestrator.Api;

/// <summary>Call intake and the call resource of the Voice Orchestrator and the AI Call Orchestrator.</summary>
public static class CallsApi
{
    public const int MaxPageSize = 500;

    public static RouteGroupBuilder MapCallsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/calls").RequireAuthorization(AuthorizationPolicies.Workspace).WithTags("Calls");

        group.MapPost("/priority", CreatePriorityCall)
            .WithMetadata(new IdempotentAttribute())
            .WithSummary("Queue one call to be dialed ahead of bulk calls.")
            .WithDescription("Header x-gate-mode: twilio_amd_bridge screens answering machines first. Idempotency-Key is honoured for 24 hours.")
            .Produces<CallResponse>(StatusCodes.Status202Accepted).ProducesValidationProblem().ProducesProblem(403).ProducesProblem(422);
        group.MapPost("/bulk", CreateBulkCalls)
            .WithMetadata(new IdempotentAttribute(), new BodyLimitAttribute(BulkBodyLimitBytes))
            .WithSummary("Queue many calls at once, spread across the given agents.")
            .WithDescription("All or nothing unless skipInvalid is true; numbers repeated in the request are dropped unless allowDuplicates is true.")
            .Produces<BulkCallResponse>(StatusCodes.Status202Accepted).ProducesValidationProblem().ProducesProblem(409).ProducesProblem(413);
        group.MapGet("/", ListCalls).WithSummary("List calls, newest first, with filters and paging.").WithDescription("Accept: text/csv or format=csv answers the page as CSV.")
            .Produces<PagedResponse<CallResponse>>(StatusCodes.Status200OK, "application/json", CsvOutput.ContentType);
        group.MapGet("/{id}", GetCall).WithSummary("Read one call with its history of transitions.").Produces<CallResponse>().ProducesProblem(404);
        group.MapPatch("/{id}", UpdateCall).WithSummary("Change a call that is still queued.")
            .Produces<CallResponse>().ProducesValidationProblem().ProducesProblem(404).ProducesProblem(409);
        group.MapPost("/{id}/cancel", CancelCall).WithSummary("Cancel a call that has not been dialed yet.")
            .Produces<CallResponse>().ProducesProblem(404).ProducesProblem(409);
        return group;
    }

    public const long BulkBodyLimitBytes = 64L * 1024 * 1024;

    public static async Task<IResult> CreatePriorityCall(
        PriorityCallRequest request, HttpContext http, WorkspaceResolver resolver, OrchestratorDbContext db, CallIntake intake,
        CallStore store, CampaignDirectory campaigns, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, CancellationToken cancellationToken)
    {
        var scope = await resolver.ResolveAsync(http.User, request.WorkspaceId, cancellationToken);
        if (scope.Error is not null)
        {
            return scope.Error;
        }

        var errors = new ValidationErrors();
        var gateMode = ReadGateMode(http, GateMode.Direct, errors);
        if (request.CampaignId is not null
            && await campaigns.FindAsync(scope.WorkspaceId!, request.CampaignId, cancellationToken) is { Status: CampaignStatus.Cancelled or CampaignStatus.Completed } closed)
        {
            return Problems.Conflict($"Campaign '{closed.Id}' is {closed.Status.ToString().ToLowerInvariant()}; it takes no new calls.");
        }

        var directory = await WorkspaceDirectory.LoadAsync(db, scope.WorkspaceId!, cancellationToken);
        var call = intake.FromPriority(request, scope.WorkspaceId!, gateMode, directory, errors);
        if (call is null || !errors.IsEmpty)
        {
            return errors.ToResult();
        }

        var response = CallResponse.From(call);
        var idempotency = http.Features.Get<IdempotentRequest>();
        if (!await store.InsertAsync([call], idempotency, StatusCodes.Status202Accepted, response, json.Value.SerializerOptions, null, cancellationToken))
        {
            return await ReplayAfterRaceAsync(http, db, idempotency!);
        }

        return TypedResults.Json(response, json.Value.SerializerOptions, statusCode: StatusCodes.Status202Accepted);
    }

    public static async Task<IResult> CreateBulkCalls(
        BulkCallRequest request, HttpContext http, WorkspaceResolver resolver, OrchestratorDbContext db, CallIntake intake,
        CallStore store, CampaignDirectory campaigns, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, CancellationToken cancellationToken)
    {
        var scope = await resolver.ResolveAsync(http.User, request.WorkspaceId, cancellationToken);
        if (scope.Error is not null)
        {
            return scope.Error;
        }

        var headerErrors = new ValidationErrors();
        Campaign? campaign = null;
        if (request.CampaignId is not null)
        {
            campaign = await campaigns.FindAsync(scope.WorkspaceId!, request.CampaignId, cancellationToken);
            if (campaign?.Status is CampaignStatus.Cancelled or CampaignStatus.Completed)
            {
                return Problems.Conflict($"Campaign '{request.CampaignId}' is {campaign.Status.ToString().ToLowerInvariant()}; it takes no new calls.");
            }
        }

        var gateMode = ReadGateMode(http, campaign?.GateMode ?? GateMode.Direct, headerErrors);
        if (!headerErrors.IsEmpty)
        {
            return headerErrors.ToResult();
        }

        var directory = await WorkspaceDirectory.LoadAsync(db, scope.WorkspaceId!, cancellationToken);
        var bulk = intake.FromBulk(request, scope.WorkspaceId!, gateMode, directory);
        if (!bulk.Errors.IsEmpty)
        {
            return bulk.Errors.ToResult(bulk.Rejected.Count > 0 ? $"{bulk.Rejected.Count} of {request.Calls?.Count ?? 0} calls are invalid; nothing was queued." : null);
        }

        var response = new BulkCallResponse(
            Success: true,
            BatchId: bulk.BatchId,
            CampaignId: request.CampaignId,
            Requested: request.Calls!.Count,
            Accepted: bulk.Calls.Count,
            Duplicates: bulk.Duplicates,
            Rejected: bulk.Rejected.Count,
            Errors: bulk.Rejected,
            Status: "queued");
        var idempotency = http.Features.Get<IdempotentRequest>();
        Func<Task>? ensureCampaign = request.CampaignId is null || campaign is not null
            ? null
            : () => campaigns.CreateForBulkAsync(scope.WorkspaceId!, request.CampaignId, gateMode, bulk, cancellationToken);
        if (!await store.InsertAsync(bulk.Calls, idempotency, StatusCodes.Status202Accepted, response, json.Value.SerializerOptions, ensureCampaign, cancellationToken))
        {
            return await ReplayAfterRaceAsync(http, db, idempotency!);
        }

        return TypedResults.Json(response, json.Value.SerializerOptions, statusCode: StatusCodes.Status202Accepted);
    }

    public static async Task<IResult> ListCalls(
        [AsParameters] CallListQuery query, ClaimsPrincipal user, HttpRequest request, WorkspaceResolver resolver, OrchestratorDbContext db, CancellationToken cancellationToken)
    {
        var scope = await resolver.ResolveAsync(user, query.WorkspaceId, cancellationToken);
        if (scope.Error is not null)
        {
            return scope.Error;
        }

        var errors = new ValidationErrors();
        var page = query.Page ?? 1;
        var limit = query.Limit ?? 50;
        if (page < 1 || (long)(page - 1) * Math.Max(limit, 1) > int.MaxValue)
        {
            errors.Add("page", "Must be 1 or more, and not beyond the last call.");
        }

        if (limit is < 1 or > MaxPageSize)
        {
            errors.Add("limit", $"Must be from 1 to {MaxPageSize}.");
        }

        var calls = db.Calls.Where(c => c.WorkspaceId == scope.WorkspaceId);
        if (query.Status is not null)
        {
            var states = new List<CallState>();
            foreach (var name in query.Status.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (CallStates.TryParse(name, out var state))
                {
                    states.Add(state);
                }
                else
                {
                    errors.Add("status", $"'{name}' is not a call status.");
                }
            }

            calls = calls.Where(c => states.Contains(c.State));
        }

        if (query.CampaignId is not null)
        {
            calls = calls.Where(c => c.CampaignId == query.CampaignId);
        }

        if (query.AgentId is not null)
        {
            calls = calls.Where(c => c.AgentId == query.AgentId);
        }

        if (query.BatchId is not null)
        {
            calls = calls.Where(c => c.BatchId == query.BatchId);
        }

        if (query.ToNumber is not null)
        {
            calls = calls.Where(c => c.ToNumber == query.ToNumber);
        }

        // 'from' and 'to' are a time range in the original; a phone number there filters by number instead.
        calls = ApplyFromTo(calls, query.From, isFrom: true, errors);
        calls = ApplyFromTo(calls, query.To, isFrom: false, errors);
        if (!errors.IsEmpty)
        {
            return errors.ToResult();
        }

        var total = await calls.CountAsync(cancellationToken);
        var rows = await calls.OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id)
            .Skip((page - 1) * limit).Take(limit).ToListAsync(cancellationToken);
        if (CsvOutput.IsWanted(request))
        {
            return CallsCsv.Write(rows);
        }

        return TypedResults.Ok(new PagedResponse<CallResponse>(
            rows.Select(c => CallResponse.From(c)).ToList(),
            new Pagination(page, limit, total, (total + limit - 1) / limit)));
    }

    public static async Task<IResult> GetCall(
        string id, [FromQuery] string? workspaceId, ClaimsPrincipal user, WorkspaceResolver resolver, OrchestratorDbContext db, CancellationToken cancellationToken)
    {
        var scope = await resolver.ResolveAsync(user, workspaceId, cancellationToken);
        if (scope.Error is not null)
        {
            return scope.Error;
        }

        var call = await FindAsync(db, scope.WorkspaceId!, id, cancellationToken);
        if (call is null)
        {
            return Problems.NotFound($"Call '{id}'");
        }

        var events = await db.CallEvents.Where(e => e.CallId == call.Id).OrderBy(e => e.Id).ToListAsync(cancellationToken);
        return TypedResults.Ok(CallResponse.From(call, events));
    }

    public static async Task<IResult> UpdateCall(
        string id, UpdateCallRequest request, ClaimsPrincipal user, WorkspaceResolver resolver, OrchestratorDbContext db, CallLifecycle lifecycle, CancellationToken cancellationToken)
    {
        var scope = await resolver.ResolveAsync(user, request.WorkspaceId, cancellationToken);
        if (scope.Error is not null)
        {
            return scope.Error;
        }

        var call = await FindAsync(db, scope.WorkspaceId!, id, cancellationToken);
        if (call is null)
        {
            return Problems.NotFound($"Call '{id}'");
        }

        var directory = await WorkspaceDirectory.LoadAsync(db, scope.WorkspaceId!, cancellationToken);
        var errors = new ValidationErrors();
        var changes = CallChanges.From(request, call, directory, errors);
        if (!errors.IsEmpty)
        {
            return errors.ToResult();
        }

        var updated = await lifecycle.UpdateQueuedAsync(call.Id, changes, cancellationToken);
        return updated is null
            ? Problems.Conflict($"Call '{id}' is no longer queued; only queued calls can be changed.")
            : TypedResults.Ok(CallResponse.From(updated));
    }

    public static async Task<IResult> CancelCall(
        string id, [FromQuery] string? workspaceId, ClaimsPrincipal user, WorkspaceResolver resolver, OrchestratorDbContext db, CallLifecycle lifecycle, CancellationToken cancellationToken)
    {
        var scope = await resolver.ResolveAsync(user, workspaceId, cancellationToken);
        if (scope.Error is not null)
        {
            return scope.Error;
        }

        var call = await FindAsync(db, scope.WorkspaceId!, id, cancellationToken);
        if (call is null)
        {
            return Problems.NotFound($"Call '{id}'");
        }

        if (call.State == CallState.Cancelled)
        {
            return TypedResults.Ok(CallResponse.From(call));
        }

        var cancelled = await lifecycle.CancelQueuedAsync(call.Id, "cancelled_by_client", cancellationToken);
        return cancelled is null
            ? Problems.Conflict($"Call '{id}' is {call.State.ToWire()}; only a queued call can be cancelled.")
            : TypedResults.Ok(CallResponse.From(cancelled));
    }

    internal static async Task<Call?> FindAsync(OrchestratorDbContext db, string workspaceId, string id, CancellationToken cancellationToken) =>
        Guid.TryParse(id, out var callId)
            ? await db.Calls.FirstOrDefaultAsync(c => c.Id == callId && c.WorkspaceId == workspaceId, cancellationToken)
            : null;

    private static GateMode ReadGateMode(HttpContext http, GateMode fallback, ValidationErrors errors)
    {
        var header = http.Request.Headers[GateModes.HeaderName].ToString();
        if (GateModes.FromHeader(header, fallback) is { } mode)
        {
            return mode;
        }

        errors.Add(GateModes.HeaderName, "Must be 'direct' or 'twilio_amd_bridge'.");
        return fallback;
    }

    private static IQueryable<Call> ApplyFromTo(IQueryable<Call> calls, string? value, bool isFrom, ValidationErrors errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return calls;
        }

        if (value.StartsWith('+'))
        {
            return isFrom ? calls.Where(c => c.FromNumber == value) : calls.Where(c => c.ToNumber == value);
        }

        if (!DateParsing.TryParseBound(value, isFrom, out var bound))
        {
            errors.Add(isFrom ? "from" : "to", "Must be a date (YYYY-MM-DD), an ISO 8601 timestamp or an E.164 number.");
            return calls;
        }

        return isFrom ? calls.Where(c => c.CreatedAt >= bound) : calls.Where(c => c.CreatedAt <= bound);
    }

    private static async Task<IResult> ReplayAfterRaceAsync(HttpContext http, OrchestratorDbContext db, IdempotentRequest idempotency)
    {
        await IdempotencyMiddleware.ReplayAsync(http, db, idempotency, DateTime.UtcNow);
        return Results.Empty;
    }
}

public sealed record CallListQuery(
    string? WorkspaceId, int? Page, int? Limit, string? Status, string? CampaignId, string? AgentId, Guid? BatchId, string? ToNumber, string? From, string? To);

/// <summary>Dates in query strings: a day (its start for 'from', its end for 'to') or a full timestamp.</summary>
public static class DateParsing
{
    public static bool TryParseBound(string value, bool isStart, out DateTime bound)
    {
        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            bound = isStart ? day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc) : day.ToDateTime(TimeOnly.MaxValue, DateTimeKind.Utc);
            return true;
        }

        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant))
        {
            bound = instant.UtcDateTime;
            return true;
        }

        bound = default;
        return false;
    }
}

using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VoiceOrchestrator.Api;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Providers.GenericProvider;
using VoiceOrchestrator.Storage;
using VoiceOrchestrator.Tenancy;

namespace VoiceOrchestrator.Compat.AiCallOrchestrator;

/// <summary>
/// The AI Call Orchestrator's call resource and metrics under <c>/api/v1</c>, on the one queue and
/// dispatcher, with the workspace key. Calls go to the generic provider when AI_CALL_API_URL is set,
/// else to ElevenLabs with <c>scriptId</c> as the agent.
/// </summary>
public static class AiCallsApi
{
    public static IEndpointRouteBuilder MapAiCallsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1").RequireAuthorization(AuthorizationPolicies.Workspace).WithTags("AI Call Orchestrator");
        group.MapPost("/calls", CreateAsync)
            .WithMetadata(new IdempotentAttribute())
            .WithSummary("Queue a call {to, scriptId, metadata}; it starts PENDING.")
            .Produces<AiCallEnvelope<AiCallView>>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(403).ProducesProblem(422);
        group.MapGet("/calls", ListAsync)
            .WithSummary("List calls, newest first, by status (PENDING, IN_PROGRESS, COMPLETED, FAILED, EXPIRED) with page and limit.")
            .Produces<AiCallPage>().ProducesValidationProblem();
        group.MapGet("/calls/{id}", GetAsync).WithSummary("Read one call.").Produces<AiCallEnvelope<AiCallView>>().ProducesProblem(404);
        group.MapPatch("/calls/{id}", UpdateAsync).WithSummary("Change a PENDING call's to, scriptId or metadata; 409 once it has left PENDING.")
            .Produces<AiCallEnvelope<AiCallView>>().ProducesValidationProblem().ProducesProblem(404).ProducesProblem(409);
        group.MapGet("/metrics", MetricsAsync).WithSummary("Calls of the workspace by status, with the total.").Produces<AiCallMetrics>();
        return app;
    }

    public static async Task<IResult> CreateAsync(
        AiCallRequest request, HttpContext http, WorkspaceResolver resolver, OrchestratorDbContext db, CallStore store, TimeProvider clock,
        IOptions<OrchestratorOptions> options, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, CancellationToken cancellationToken)
    {
        var scope = await resolver.ResolveAsync(http.User, request.WorkspaceId, cancellationToken);
        if (scope.Error is not null)
        {
            return scope.Error;
        }

        var errors = new ValidationErrors();
        var generic = GenericProvider.IsConfigured(options.Value);
        CallIntake.CheckNumber(request.To, "to", required: true, errors);
        CheckScriptId(request.ScriptId, errors);
        var metadata = JsonValues.ObjectText(request.Metadata, "metadata", errors);
        string? phoneNumberId = GenericProvider.Name;
        if (!generic && errors.IsEmpty)
        {
            phoneNumberId = await ElevenLabsRouteAsync(db, scope.WorkspaceId!, request, errors, cancellationToken);
        }

        if (!errors.IsEmpty)
        {
            return errors.ToResult();
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var call = new Call
        {
            Id = CallIds.New(clock),
            WorkspaceId = scope.WorkspaceId!,
            Lane = CallLane.Priority,
            Source = "ai_call",
            Provider = generic ? GenericProvider.Name : null,
            AgentId = request.ScriptId!,
            AgentPhoneNumberId = phoneNumberId!,
            ToNumber = request.To!,
            Metadata = metadata,
            GateMode = GateMode.Direct,
            // The original limited only the total (MAX_CONCURRENT_CALLS): the widest per-request concurrency.
            Concurrency = 100,
            MaxAttempts = options.Value.MaxRetryAttempts,
            CreatedAt = now,
            UpdatedAt = now,
        };
        var response = new AiCallEnvelope<AiCallView>(true, AiCallView.From(call));
        var idempotency = http.Features.Get<IdempotentRequest>();
        if (!await store.InsertAsync([call], idempotency, StatusCodes.Status201Created, response, json.Value.SerializerOptions, null, cancellationToken))
        {
            await IdempotencyMiddleware.ReplayAsync(http, db, idempotency!, DateTime.UtcNow);
            return Results.Empty;
        }

        return TypedResults.Json(response, json.Value.SerializerOptions, statusCode: StatusCodes.Status201Created);
    }

    public static async Task<IResult> GetAsync(
        string id, [FromQuery] string? workspaceId, ClaimsPrincipal user, WorkspaceResolver resolver, OrchestratorDbContext db, CancellationToken cancellationToken)
    {
        var scope = await resolver.ResolveAsync(user, workspaceId, cancellationToken);
        if (scope.Error is not null)
        {
            return scope.Error;
        }

        var call = await CallsApi.FindAsync(db, scope.WorkspaceId!, id, cancellationToken);
        return call is null ? Problems.NotFound($"Call '{id}'") : TypedResults.Ok(new AiCallEnvelope<AiCallView>(true, AiCallView.From(call)));
    }

    public static async Task<IResult> ListAsync(
        [AsParameters] AiCallListQuery query, ClaimsPrincipal user, WorkspaceResolver resolver, OrchestratorDbContext db, CancellationToken cancellationToken)
    {
        var scope = await resolver.ResolveAsync(user, query.WorkspaceId, cancellationToken);
        if (scope.Error is not null)
        {
            return scope.Error;
        }

        var errors = new ValidationErrors();
        var page = query.Page ?? 1;
        var limit = query.Limit ?? 10;
        if (page < 1 || (long)(page - 1) * Math.Max(limit, 1) > int.MaxValue)
        {
            errors.Add("page", "Must be 1 or more, and not beyond the last call.");
        }

        if (limit is < 1 or > CallsApi.MaxPageSize)
        {
            errors.Add("limit", $"Must be from 1 to {CallsApi.MaxPageSize}.");
        }

        var calls = db.Calls.Where(c => c.WorkspaceId == scope.WorkspaceId);
        if (query.Status is { } status)
        {
            var states = new List<CallState>();
            foreach (var name in status.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (AiCallStatus.States(name) is { } matched)
                {
                    states.AddRange(matched);
                }
                else
                {
                    errors.Add("status", $"'{name}' is not one of {string.Join(", ", AiCallStatus.All)}.");
                }
            }

            calls = calls.Where(c => states.Contains(c.State));
        }

        if (!errors.IsEmpty)
        {
            return errors.ToResult();
        }

        var total = await calls.CountAsync(cancellationToken);
        var rows = await calls.OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id)
            .Skip((page - 1) * limit).Take(limit).ToListAsync(cancellationToken);
        return TypedResults.Ok(new AiCallPage(true, rows.Select(AiCallView.From).ToList(), new Pagination(page, limit, total, (total + limit - 1) / limit)));
    }

    public static async Task<IResult> UpdateAsync(
        string id, AiCallRequest request, ClaimsPrincipal user, WorkspaceResolver resolver, OrchestratorDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var scope = await resolver.ResolveAsync(user, request.WorkspaceId, cancellationToken);
        if (scope.Error is not null)
        {
            return scope.Error;
        }

        var call = await CallsApi.FindAsync(db, scope.WorkspaceId!, id, cancellationToken);
        if (call is null)
        {
            return Problems.NotFound($"Call '{id}'");
        }

        var errors = new ValidationErrors();
        CallIntake.CheckNumber(request.To, "to", required: false, errors);
        if (request.ScriptId is not null)
        {
            CheckScriptId(request.ScriptId, errors);
            if (errors.IsEmpty && !GenericProvider.Dials(call)
                && !await db.Agents.AnyAsync(a => a.WorkspaceId == call.WorkspaceId && a.AgentId == request.ScriptId, cancellationToken))
            {
                errors.Add("scriptId", $"Agent '{request.ScriptId}' is not registered to this workspace (POST /agents).");
            }
        }

        var metadata = JsonValues.ObjectText(request.Metadata, "metadata", errors);
        if (!errors.IsEmpty)
        {
            return errors.ToResult();
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var changed = await db.Calls
            .Where(c => c.Id == call.Id && c.State == CallState.Queued)
            .ExecuteUpdateAsync(s =>
            {
                s.SetProperty(c => c.UpdatedAt, now);
                if (request.To is { } to)
                {
                    s.SetProperty(c => c.ToNumber, to);
                }

                if (request.ScriptId is { } scriptId)
                {
                    s.SetProperty(c => c.AgentId, scriptId);
                }

                if (metadata is not null)
                {
                    s.SetProperty(c => c.Metadata, metadata);
                }
            }, cancellationToken);
        if (changed == 0)
        {
            return Problems.Conflict($"Call '{id}' is {AiCallStatus.Of(call.State)} ({call.State.ToWire()}); only a PENDING call can be changed.");
        }

        var updated = await db.Calls.AsNoTracking().FirstAsync(c => c.Id == call.Id, cancellationToken);
        return TypedResults.Ok(new AiCallEnvelope<AiCallView>(true, AiCallView.From(updated)));
    }

    public static async Task<IResult> MetricsAsync(
        [FromQuery] string? workspaceId, ClaimsPrincipal user, WorkspaceResolver resolver, OrchestratorDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var scope = await resolver.ResolveAsync(user, workspaceId, cancellationToken);
        if (scope.Error is not null)
        {
            return scope.Error;
        }

        var byState = await db.Calls.Where(c => c.WorkspaceId == scope.WorkspaceId)
            .GroupBy(c => c.State)
            .Select(g => new { State = g.Key, Count = g.Count() })
            .ToListAsync(cancellationToken);
        var data = AiCallStatus.All.ToDictionary(s => s, _ => 0);
        foreach (var row in byState)
        {
            data[AiCallStatus.Of(row.State)] += row.Count;
        }

        data["total"] = byState.Sum(r => r.Count);
        return TypedResults.Ok(new AiCallMetrics(true, data, clock.GetUtcNow().UtcDateTime));
    }

    private static void CheckScriptId(string? scriptId, ValidationErrors errors)
    {
        if (string.IsNullOrWhiteSpace(scriptId))
        {
            errors.Add("scriptId", "Required: the script (agent) the call runs.");
        }
        else if (scriptId.Length > 128)
        {
            errors.Add("scriptId", "Must be at most 128 characters.");
        }
    }

    /// <summary>
    /// Without the generic provider the call goes to ElevenLabs: <c>scriptId</c> is a registered agent,
    /// and the number it calls from is <c>metadata.agentPhoneNumberId</c> or the workspace's first registered number.
    /// </summary>
    private static async Task<string?> ElevenLabsRouteAsync(
        OrchestratorDbContext db, string workspaceId, AiCallRequest request, ValidationErrors errors, CancellationToken cancellationToken)
    {
        if (!await db.Agents.AnyAsync(a => a.WorkspaceId == workspaceId && a.AgentId == request.ScriptId, cancellationToken))
        {
            errors.Add("scriptId", $"Agent '{request.ScriptId}' is not registered to this workspace (POST /agents), and no generic provider (AI_CALL_API_URL) is configured.");
            return null;
        }

        var wanted = request.Metadata is { ValueKind: System.Text.Json.JsonValueKind.Object } meta
                     && meta.TryGetProperty("agentPhoneNumberId", out var value) && value.ValueKind == System.Text.Json.JsonValueKind.String
            ? value.GetString()
            : null;
        var numbers = db.PhoneNumbers.Where(p => p.WorkspaceId == workspaceId);
        var number = await (wanted is null ? numbers : numbers.Where(p => p.PhoneNumberId == wanted))
            .OrderBy(p => p.PhoneNumberId).Select(p => p.PhoneNumberId).FirstOrDefaultAsync(cancellationToken);
        if (number is null)
        {
            errors.Add(wanted is null ? "metadata" : "metadata.agentPhoneNumberId",
                wanted is null ? "The workspace has no phone number to call from (POST /phone-numbers)." : $"Phone number '{wanted}' is not registered to this workspace.");
        }

        return number;
    }
}

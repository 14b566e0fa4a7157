using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VoiceOrchestrator.Api;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Storage;
using VoiceOrchestrator.Tenancy;

namespace VoiceOrchestrator.Compat.SlotScheduler;

/// <summary>
/// The Voice Slot Scheduler's routes on top of the one queue and dispatcher: <c>POST /enqueue-call</c>
/// and <c>GET /stats</c>. Its webhook is <c>POST /webhook/elevenlabs</c> (see <see cref="SlotReleaseWebhook"/>).
/// </summary>
public static class SlotSchedulerApi
{
    public static IEndpointRouteBuilder MapSlotSchedulerApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/enqueue-call", EnqueueAsync)
            .RequireAuthorization(AuthorizationPolicies.Workspace)
            .WithMetadata(new IdempotentAttribute())
            .WithTags("Slot Scheduler")
            .WithSummary("Queue one ElevenLabs call; a higher priority is dialed first (Voice Slot Scheduler).")
            .WithDescription("payload.conversationInitiationClientData: a flat object becomes dynamic_variables; an object with the contract's keys (dynamic_variables, conversation_config_override, …) is sent as is.")
            .Produces<EnqueueCallResponse>(StatusCodes.Status202Accepted).ProducesValidationProblem().ProducesProblem(403);
        app.MapGet("/stats", StatsAsync)
            .RequireAuthorization(AuthorizationPolicies.Workspace)
            .WithTags("Slot Scheduler")
            .WithSummary("The scheduler's state: limit, remote and local active calls, free slots, queue, last poll, dispatcher.")
            .Produces<SchedulerStats>().ProducesProblem(403);
        return app;
    }

    public static async Task<IResult> EnqueueAsync(
        EnqueueCallRequest request, HttpContext http, WorkspaceResolver resolver, OrchestratorDbContext db, CallStore store,
        TimeProvider clock, IOptions<OrchestratorOptions> options, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, CancellationToken cancellationToken)
    {
        var scope = await resolver.ResolveAsync(http.User, request.WorkspaceId, cancellationToken);
        if (scope.Error is not null)
        {
            return scope.Error;
        }

        var errors = new ValidationErrors();
        var call = EnqueueCallIntake.Build(request, scope.WorkspaceId!, clock, options.Value, errors);
        if (call is null)
        {
            return errors.ToResult();
        }

        // The queue size after this call: counted before the insert, plus one, so that the stored
        // answer (replayed for a repeated Idempotency-Key) is the one this request gives.
        var queued = await db.Calls.CountAsync(c => c.WorkspaceId == call.WorkspaceId && c.State == CallState.Queued, cancellationToken);
        var response = new EnqueueCallResponse(true, call.Id, queued + 1);
        var idempotency = http.Features.Get<IdempotentRequest>();
        if (!await store.InsertAsync([call], idempotency, StatusCodes.Status202Accepted, response, json.Value.SerializerOptions, null, cancellationToken))
        {
            await IdempotencyMiddleware.ReplayAsync(http, db, idempotency!, DateTime.UtcNow);
            return Results.Empty;
        }

        return TypedResults.Json(response, json.Value.SerializerOptions, statusCode: StatusCodes.Status202Accepted);
    }

    public static async Task<IResult> StatsAsync(
        [FromQuery] string? workspaceId, ClaimsPrincipal user, WorkspaceResolver resolver, SchedulerStatsReader reader, CancellationToken cancellationToken)
    {
        var scope = await resolver.ResolveAsync(user, workspaceId, cancellationToken);
        if (scope.Error is not null)
        {
            return scope.Error;
        }

        return TypedResults.Ok(await reader.ReadAsync(scope.WorkspaceId!, cancellationToken));
    }
}

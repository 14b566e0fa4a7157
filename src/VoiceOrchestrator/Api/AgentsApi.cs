using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Storage;
using VoiceOrchestrator.Tenancy;

namespace VoiceOrchestrator.Api;

/// <summary>A workspace's ElevenLabs agents. Calls must name an agent registered here.</summary>
public static class AgentsApi
{
    public static RouteGroupBuilder MapAgentsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/agents").RequireAuthorization(AuthorizationPolicies.Workspace).WithTags("Agents");
        group.MapPost("/", CreateAgent).WithSummary("Register an ElevenLabs agent, optionally with the numbers it calls from.")
            .Produces<AgentResponse>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(409);
        group.MapGet("/", ListAgents).WithSummary("List the workspace's agents.").Produces<AgentResponse[]>();
        group.MapGet("/{agentId}", GetAgent).WithSummary("Read one agent.").Produces<AgentResponse>().ProducesProblem(404);
        group.MapDelete("/{agentId}", DeleteAgent).WithSummary("Remove an agent that has no queued or active calls.")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(404).ProducesProblem(409);
        return group;
    }

    public static async Task<IResult> CreateAgent(
        CreateAgentRequest request, ClaimsPrincipal user, WorkspaceResolver resolver, OrchestratorDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var scope = await resolver.ResolveAsync(user, request.WorkspaceId, cancellationToken);
        if (scope.Error is not null)
        {
            return scope.Error;
        }

        var errors = new ValidationErrors();
        if (string.IsNullOrWhiteSpace(request.AgentId))
        {
            errors.Add("agentId", "Required: the ElevenLabs agent id (agent_…).");
        }
        else if (request.AgentId.Length > 128)
        {
            errors.Add("agentId", "Must be at most 128 characters.");
        }

        if (request.Name is { Length: > 200 })
        {
            errors.Add("name", "Must be at most 200 characters.");
        }

        var numberIds = request.PhoneNumberIds ?? [];
        var numbers = numberIds.Count == 0
            ? []
            : await db.PhoneNumbers.Where(p => p.WorkspaceId == scope.WorkspaceId && numberIds.Contains(p.PhoneNumberId)).ToListAsync(cancellationToken);
        for (var i = 0; i < numberIds.Count; i++)
        {
            if (numbers.All(n => n.PhoneNumberId != numberIds[i]))
            {
                errors.Add($"phoneNumberIds[{i}]", $"Phone number '{numberIds[i]}' is not registered to this workspace.");
            }
        }

        if (!errors.IsEmpty)
        {
            return errors.ToResult();
        }

        var agentId = request.AgentId!.Trim();
        if (await db.Agents.AnyAsync(a => a.WorkspaceId == scope.WorkspaceId && a.AgentId == agentId, cancellationToken))
        {
            return Problems.Conflict($"Agent '{agentId}' is already registered.");
        }

        var agent = new Agent
        {
            Id = Guid.CreateVersion7(),
            WorkspaceId = scope.WorkspaceId!,
            AgentId = agentId,
            Name = request.Name,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
            PhoneNumbers = numbers.Select(n => new AgentPhoneNumber { PhoneNumberId = n.Id }).ToList(),
        };
        db.Agents.Add(agent);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/agents/{agentId}", AgentResponse.From(agent, numbers.Select(n => n.PhoneNumberId)));
    }

    public static async Task<IResult> ListAgents(
        [FromQuery] string? workspaceId, ClaimsPrincipal user, WorkspaceResolver resolver, OrchestratorDbContext db, CancellationToken cancellationToken)
    {
        var scope = await resolver.ResolveAsync(user, workspaceId, cancellationToken);
        if (scope.Error is not null)
        {
            return scope.Error;
        }

        var agents = await db.Agents.Where(a => a.WorkspaceId == scope.WorkspaceId).OrderBy(a => a.CreatedAt).ToListAsync(cancellationToken);
        var links = await LinkedNumbersAsync(db, agents.Select(a => a.Id).ToList(), cancellationToken);
        return TypedResults.Ok(agents.Select(a => AgentResponse.From(a, links[a.Id])));
    }

    public static async Task<IResult> GetAgent(
        string agentId, [FromQuery] string? workspaceId, ClaimsPrincipal user, WorkspaceResolver resolver, OrchestratorDbContext db, CancellationToken cancellationToken)
    {
        var scope = await resolver.ResolveAsync(user, workspaceId, cancellationToken);
        if (scope.Error is not null)
        {
            return scope.Error;
        }

        var agent = await db.Agents.FirstOrDefaultAsync(a => a.WorkspaceId == scope.WorkspaceId && a.AgentId == agentId, cancellationToken);
        if (agent is null)
        {
            return Problems.NotFound($"Agent '{agentId}'");
        }

        var links = await LinkedNumbersAsync(db, [agent.Id], cancellationToken);
        return TypedResults.Ok(AgentResponse.From(agent, links[agent.Id]));
    }

    public static async Task<IResult> DeleteAgent(
        string agentId, [FromQuery] string? workspaceId, ClaimsPrincipal user, WorkspaceResolver resolver, OrchestratorDbContext db, CancellationToken cancellationToken)
    {
        var scope = await resolver.ResolveAsync(user, workspaceId, cancellationToken);
        if (scope.Error is not null)
        {
            return scope.Error;
        }

        var agent = await db.Agents.FirstOrDefaultAsync(a => a.WorkspaceId == scope.WorkspaceId && a.AgentId == agentId, cancellationToken);
        if (agent is null)
        {
            return Problems.NotFound($"Agent '{agentId}'");
        }

        var busy = await db.Calls.AnyAsync(
            c => c.WorkspaceId == scope.WorkspaceId && c.AgentId == agentId
                 && (c.State == CallState.Queued || c.State == CallState.Dialing || c.State == CallState.Ringing || c.State == CallState.InProgress),
            cancellationToken);
        if (busy)
        {
            return Problems.Conflict($"Agent '{agentId}' still has queued or active calls; cancel them first.");
        }

        await db.Agents.Where(a => a.Id == agent.Id).ExecuteDeleteAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<ILookup<Guid, string>> LinkedNumbersAsync(OrchestratorDbContext db, List<Guid> agentIds, CancellationToken cancellationToken)
    {
        var links = await db.AgentPhoneNumbers
            .Where(l => agentIds.Contains(l.AgentId))
            .Join(db.PhoneNumbers, l => l.PhoneNumberId, p => p.Id, (l, p) => new { l.AgentId, p.PhoneNumberId })
            .ToListAsync(cancellationToken);
        return links.ToLookup(l => l.AgentId, l => l.PhoneNumberId);
    }
}

public sealed record CreateAgentRequest(string? WorkspaceId, string? AgentId, string? Name, List<string>? PhoneNumberIds);

public sealed record AgentResponse(string AgentId, string? Name, IReadOnlyList<string> PhoneNumberIds, DateTime CreatedAt)
{
    public static AgentResponse From(Agent agent, IEnumerable<string> phoneNumberIds) =>
        new(agent.AgentId, agent.Name, phoneNumberIds.ToList(), agent.CreatedAt);
}

using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Campaigns;
using VoiceOrchestrator.Storage;
using VoiceOrchestrator.Tenancy;

namespace VoiceOrchestrator.Api;

/// <summary>Campaigns: named groups of bulk calls that can be paused, resumed and cancelled as one.</summary>
public static class CampaignsApi
{
    public static RouteGroupBuilder MapCampaignsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/campaigns").RequireAuthorization(AuthorizationPolicies.Workspace).WithTags("Campaigns");
        group.MapPost("/", CreateCampaign).WithSummary("Create a campaign; bulk requests naming it inherit its settings.")
            .Produces<CampaignResponse>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(409);
        group.MapGet("/", ListCampaigns).WithSummary("List campaigns with their call counts by status.").Produces<CampaignResponse[]>();
        group.MapGet("/{id}", GetCampaign).WithSummary("Read one campaign with its call counts by status.").Produces<CampaignResponse>().ProducesProblem(404);
        group.MapPost("/{id}/pause", PauseCampaign).WithSummary("Stop dialing the campaign's queued calls until resumed.")
            .Produces<CampaignResponse>().ProducesProblem(404).ProducesProblem(409);
        group.MapPost("/{id}/resume", ResumeCampaign).WithSummary("Resume dialing a paused campaign.")
            .Produces<CampaignResponse>().ProducesProblem(404).ProducesProblem(409);
        group.MapPost("/{id}/cancel", CancelCampaign).WithSummary("Cancel the campaign and all of its queued calls.")
            .Produces<CampaignResponse>().ProducesProblem(404);
        return group;
    }

    public static async Task<IResult> CreateCampaign(
        CreateCampaignRequest request, HttpContext http, WorkspaceResolver resolver, OrchestratorDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var scope = await resolver.ResolveAsync(http.User, request.WorkspaceId, cancellationToken);
        if (scope.Error is not null)
        {
            return scope.Error;
        }

        var errors = new ValidationErrors();
        if (request.Id is { } id && !AdminWorkspacesApi.IsValidId(id))
        {
            errors.Add("id", "Use 1-64 letters, digits, '_' or '-'.");
        }

        if (request.Name is { Length: > 200 })
        {
            errors.Add("name", "Must be at most 200 characters.");
        }

        var settings = CallIntake.CheckSettings(request.MachineDetectionTimeout, request.Concurrency, null, errors);
        var gateMode = GateMode.Direct;
        var requestedMode = request.GateMode ?? http.Request.Headers[GateModes.HeaderName].ToString();
        if (GateModes.FromHeader(requestedMode, GateMode.Direct) is { } mode)
        {
            gateMode = mode;
        }
        else
        {
            errors.Add("gateMode", "Must be 'direct' or 'twilio_amd_bridge'.");
        }

        var metadata = JsonValues.ObjectText(request.Metadata, "metadata", errors);
        if (!errors.IsEmpty)
        {
            return errors.ToResult();
        }

        var campaignId = request.Id ?? ApiKeys.NewId("cmp_");
        if (await db.Campaigns.AnyAsync(c => c.WorkspaceId == scope.WorkspaceId && c.Id == campaignId, cancellationToken))
        {
            return Problems.Conflict($"Campaign '{campaignId}' already exists.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var campaign = new Campaign
        {
            WorkspaceId = scope.WorkspaceId!,
            Id = campaignId,
            Name = request.Name ?? campaignId,
            Concurrency = settings.Concurrency,
            GateMode = gateMode,
            MachineDetectionTimeout = settings.MachineDetectionTimeout,
            EnableMachineDetection = request.EnableMachineDetection ?? true,
            Metadata = metadata,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Campaigns.Add(campaign);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/campaigns/{campaignId}", CampaignResponse.From(campaign, new Dictionary<string, int>()));
    }

    public static async Task<IResult> ListCampaigns(
        [FromQuery] string? workspaceId, ClaimsPrincipal user, WorkspaceResolver resolver, OrchestratorDbContext db, CancellationToken cancellationToken)
    {
        var scope = await resolver.ResolveAsync(user, workspaceId, cancellationToken);
        if (scope.Error is not null)
        {
            return scope.Error;
        }

        var campaigns = await db.Campaigns.Where(c => c.WorkspaceId == scope.WorkspaceId).OrderBy(c => c.CreatedAt).ToListAsync(cancellationToken);
        var counts = await db.Calls.Where(c => c.WorkspaceId == scope.WorkspaceId && c.CampaignId != null)
            .GroupBy(c => new { c.CampaignId, c.State })
            .Select(g => new { g.Key.CampaignId, g.Key.State, Count = g.Count() })
            .ToListAsync(cancellationToken);
        var byCampaign = counts.ToLookup(c => c.CampaignId!);
        return TypedResults.Ok(campaigns.Select(c => CampaignResponse.From(c, byCampaign[c.Id].ToDictionary(x => x.State.ToWire(), x => x.Count))));
    }

    public static async Task<IResult> GetCampaign(
        string id, [FromQuery] string? workspaceId, ClaimsPrincipal user, WorkspaceResolver resolver, OrchestratorDbContext db, CancellationToken cancellationToken)
    {
        var scope = await resolver.ResolveAsync(user, workspaceId, cancellationToken);
        if (scope.Error is not null)
        {
            return scope.Error;
        }

        var campaign = await db.Campaigns.FirstOrDefaultAsync(c => c.WorkspaceId == scope.WorkspaceId && c.Id == id, cancellationToken);
        return campaign is null ? Problems.NotFound($"Campaign '{id}'") : TypedResults.Ok(await WithCountsAsync(db, campaign, cancellationToken));
    }

    public static Task<IResult> PauseCampaign(string id, [FromQuery] string? workspaceId, ClaimsPrincipal user, WorkspaceResolver resolver, OrchestratorDbContext db, TimeProvider clock, CancellationToken cancellationToken) =>
        ChangeStatusAsync(id, workspaceId, user, resolver, db, clock, CampaignStatus.Active, CampaignStatus.Paused, cancellationToken);

    public static Task<IResult> ResumeCampaign(string id, [FromQuery] string? workspaceId, ClaimsPrincipal user, WorkspaceResolver resolver, OrchestratorDbContext db, TimeProvider clock, CancellationToken cancellationToken) =>
        ChangeStatusAsync(id, workspaceId, user, resolver, db, clock, CampaignStatus.Paused, CampaignStatus.Active, cancellationToken);

    public static async Task<IResult> CancelCampaign(
        string id, [FromQuery] string? workspaceId, ClaimsPrincipal user, WorkspaceResolver resolver, OrchestratorDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var scope = await resolver.ResolveAsync(user, workspaceId, cancellationToken);
        if (scope.Error is not null)
        {
            return scope.Error;
        }

        var campaign = await db.Campaigns.FirstOrDefaultAsync(c => c.WorkspaceId == scope.WorkspaceId && c.Id == id, cancellationToken);
        if (campaign is null)
        {
            return Problems.NotFound($"Campaign '{id}'");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Campaigns.Where(c => c.WorkspaceId == scope.WorkspaceId && c.Id == id)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.Status, CampaignStatus.Cancelled).SetProperty(c => c.UpdatedAt, now), cancellationToken);
        await CampaignCalls.CancelQueuedAsync(db, scope.WorkspaceId!, id, now, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(await WithCountsAsync(db, (await db.Campaigns.FirstAsync(c => c.WorkspaceId == scope.WorkspaceId && c.Id == id, cancellationToken)), cancellationToken));
    }

    private static async Task<IResult> ChangeStatusAsync(
        string id, string? workspaceId, ClaimsPrincipal user, WorkspaceResolver resolver, OrchestratorDbContext db, TimeProvider clock,
        CampaignStatus from, CampaignStatus to, CancellationToken cancellationToken)
    {
        var scope = await resolver.ResolveAsync(user, workspaceId, cancellationToken);
        if (scope.Error is not null)
        {
            return scope.Error;
        }

        var campaign = await db.Campaigns.FirstOrDefaultAsync(c => c.WorkspaceId == scope.WorkspaceId && c.Id == id, cancellationToken);
        if (campaign is null)
        {
            return Problems.NotFound($"Campaign '{id}'");
        }

        if (campaign.Status != from && campaign.Status != to)
        {
            return Problems.Conflict($"Campaign '{id}' is {SnakeCaseEnumConverter<CampaignStatus>.ToName(campaign.Status)}.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        await db.Campaigns.Where(c => c.WorkspaceId == scope.WorkspaceId && c.Id == id && c.Status == from)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.Status, to).SetProperty(c => c.UpdatedAt, now), cancellationToken);
        campaign = await db.Campaigns.FirstAsync(c => c.WorkspaceId == scope.WorkspaceId && c.Id == id, cancellationToken);
        return TypedResults.Ok(await WithCountsAsync(db, campaign, cancellationToken));
    }

    private static async Task<CampaignResponse> WithCountsAsync(OrchestratorDbContext db, Campaign campaign, CancellationToken cancellationToken)
    {
        var counts = await db.Calls.Where(c => c.WorkspaceId == campaign.WorkspaceId && c.CampaignId == campaign.Id)
            .GroupBy(c => c.State)
            .Select(g => new { State = g.Key, Count = g.Count() })
            .ToListAsync(cancellationToken);
        return CampaignResponse.From(campaign, counts.ToDictionary(c => c.State.ToWire(), c => c.Count));
    }
}

public sealed record CreateCampaignRequest(
    string? WorkspaceId, string? Id, string? Name, int? Concurrency, string? GateMode, int? MachineDetectionTimeout, bool? EnableMachineDetection, JsonElement? Metadata);

public sealed record CampaignResponse(
    string Id, string? Name, string Status, int Concurrency, string GateMode, int MachineDetectionTimeout, bool EnableMachineDetection,
    JsonElement? Metadata, IReadOnlyDictionary<string, int> Calls, DateTime CreatedAt, DateTime UpdatedAt)
{
    public static CampaignResponse From(Campaign c, IReadOnlyDictionary<string, int> calls) =>
        new(c.Id, c.Name, SnakeCaseEnumConverter<CampaignStatus>.ToName(c.Status), c.Concurrency, c.GateMode.ToWire(), c.MachineDetectionTimeout,
            c.EnableMachineDetection, JsonValues.Parse(c.Metadata), calls, c.CreatedAt, c.UpdatedAt);
}

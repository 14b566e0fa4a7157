using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Storage;
using VoiceOrchestrator.Tenancy;

namespace VoiceOrchestrator.Api;

/// <summary>Tenants, managed with the admin token. A workspace's API key is shown once, when made or rotated.</summary>
public static class AdminWorkspacesApi
{
    public static RouteGroupBuilder MapAdminWorkspacesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/admin/workspaces")
            .RequireAuthorization(AuthorizationPolicies.Admin)
            .WithTags("Admin: workspaces");

        group.MapPost("/", CreateWorkspace).WithSummary("Create a workspace; the answer carries its API key, shown this once.")
            .Produces<WorkspaceCreatedResponse>(StatusCodes.Status201Created).ProducesValidationProblem();
        group.MapGet("/", ListWorkspaces).WithSummary("List workspaces.").Produces<WorkspaceResponse[]>();
        group.MapGet("/{id}", GetWorkspace).WithSummary("Read one workspace.").Produces<WorkspaceResponse>().ProducesProblem(404);
        group.MapPatch("/{id}", UpdateWorkspace).WithSummary("Change a workspace's name, limit, metadata or active flag.")
            .Produces<WorkspaceResponse>().ProducesValidationProblem().ProducesProblem(404);
        group.MapPost("/{id}/rotate-key", RotateKey).WithSummary("Issue a new API key; the old one stops working at once.")
            .Produces<WorkspaceCreatedResponse>().ProducesProblem(404);
        return group;
    }

    public static async Task<IResult> CreateWorkspace(CreateWorkspaceRequest request, OrchestratorDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            errors.Add("name", "Required.");
        }
        else if (name.Length > 200)
        {
            errors.Add("name", "Must be at most 200 characters.");
        }

        ValidateLimit(request.ConcurrencyLimit, errors);
        if (request.Id is { } requestedId && !IsValidId(requestedId))
        {
            errors.Add("id", "Use 1-64 letters, digits, '_' or '-'.");
        }

        var metadata = JsonValues.ObjectText(request.Metadata, "metadata", errors);
        if (!errors.IsEmpty)
        {
            return errors.ToResult();
        }

        var id = request.Id ?? ApiKeys.NewId("ws_");
        if (await db.Workspaces.AnyAsync(w => w.Id == id, cancellationToken))
        {
            return Problems.Conflict($"A workspace with id '{id}' already exists.");
        }

        var key = ApiKeys.NewKey();
        var now = clock.GetUtcNow().UtcDateTime;
        var workspace = new Workspace
        {
            Id = id,
            Name = name!,
            ApiKeyHash = ApiKeys.Hash(key),
            ApiKeyPrefix = ApiKeys.DisplayPrefix(key),
            ConcurrencyLimit = request.ConcurrencyLimit,
            Metadata = metadata,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Workspaces.Add(workspace);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/admin/workspaces/{id}", WorkspaceCreatedResponse.From(workspace, key));
    }

    public static async Task<IResult> ListWorkspaces(OrchestratorDbContext db, CancellationToken cancellationToken)
    {
        var workspaces = await db.Workspaces.OrderBy(w => w.CreatedAt).ToListAsync(cancellationToken);
        return TypedResults.Ok(workspaces.Select(WorkspaceResponse.From));
    }

    public static async Task<IResult> GetWorkspace(string id, OrchestratorDbContext db, CancellationToken cancellationToken)
    {
        var workspace = await db.Workspaces.FirstOrDefaultAsync(w => w.Id == id, cancellationToken);
        return workspace is null ? Problems.NotFound($"Workspace '{id}'") : TypedResults.Ok(WorkspaceResponse.From(workspace));
    }

    public static async Task<IResult> UpdateWorkspace(string id, UpdateWorkspaceRequest request, OrchestratorDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (request.Name is { } name && (name.Trim().Length == 0 || name.Length > 200))
        {
            errors.Add("name", "Must be 1-200 characters.");
        }

        ValidateLimit(request.ConcurrencyLimit, errors);
        var metadata = JsonValues.ObjectText(request.Metadata, "metadata", errors);
        if (!errors.IsEmpty)
        {
            return errors.ToResult();
        }

        var workspace = await db.Workspaces.AsTracking().FirstOrDefaultAsync(w => w.Id == id, cancellationToken);
        if (workspace is null)
        {
            return Problems.NotFound($"Workspace '{id}'");
        }

        workspace.Name = request.Name?.Trim() ?? workspace.Name;
        workspace.ConcurrencyLimit = request.ConcurrencyLimit ?? workspace.ConcurrencyLimit;
        workspace.IsActive = request.IsActive ?? workspace.IsActive;
        workspace.Metadata = metadata ?? workspace.Metadata;
        workspace.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(WorkspaceResponse.From(workspace));
    }

    public static async Task<IResult> RotateKey(string id, OrchestratorDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var workspace = await db.Workspaces.AsTracking().FirstOrDefaultAsync(w => w.Id == id, cancellationToken);
        if (workspace is null)
        {
            return Problems.NotFound($"Workspace '{id}'");
        }

        var key = ApiKeys.NewKey();
        workspace.ApiKeyHash = ApiKeys.Hash(key);
        workspace.ApiKeyPrefix = ApiKeys.DisplayPrefix(key);
        workspace.KeyRotatedAt = workspace.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(WorkspaceCreatedResponse.From(workspace, key));
    }

    private static void ValidateLimit(int? limit, ValidationErrors errors)
    {
        if (limit is < 1 or > 100_000)
        {
            errors.Add("concurrencyLimit", "Must be from 1 to 100000, or omitted for no workspace limit.");
        }
    }

    internal static bool IsValidId(string id) =>
        id.Length is >= 1 and <= 64 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');
}

public sealed record CreateWorkspaceRequest(string? Name, string? Id, int? ConcurrencyLimit, JsonElement? Metadata);

public sealed record UpdateWorkspaceRequest(string? Name, int? ConcurrencyLimit, bool? IsActive, JsonElement? Metadata);

public record WorkspaceResponse(
    string Id, string Name, string ApiKeyPrefix, int? ConcurrencyLimit, bool IsActive, JsonElement? Metadata,
    DateTime CreatedAt, DateTime UpdatedAt, DateTime? KeyRotatedAt)
{
    public static WorkspaceResponse From(Workspace w) =>
        new(w.Id, w.Name, w.ApiKeyPrefix, w.ConcurrencyLimit, w.IsActive, JsonValues.Parse(w.Metadata), w.CreatedAt, w.UpdatedAt, w.KeyRotatedAt);
}

/// <summary>A workspace with its API key in clear: the only answer that ever shows it.</summary>
public sealed record WorkspaceCreatedResponse(
    string Id, string Name, string ApiKey, string ApiKeyPrefix, int? ConcurrencyLimit, bool IsActive, JsonElement? Metadata,
    DateTime CreatedAt, DateTime UpdatedAt, DateTime? KeyRotatedAt)
{
    public static WorkspaceCreatedResponse From(Workspace w, string key) =>
        new(w.Id, w.Name, key, w.ApiKeyPrefix, w.ConcurrencyLimit, w.IsActive, JsonValues.Parse(w.Metadata), w.CreatedAt, w.UpdatedAt, w.KeyRotatedAt);
}

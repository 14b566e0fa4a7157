using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Api;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Tenancy;

/// <summary>
/// Decides which workspace a request acts on. A workspace key acts on its own workspace only: a
/// different <c>workspaceId</c> in the body or query is refused. The admin token acts on the
/// workspace it names.
/// </summary>
public sealed class WorkspaceResolver(OrchestratorDbContext db)
{
    public async Task<WorkspaceScope> ResolveAsync(ClaimsPrincipal user, string? requestedWorkspaceId, CancellationToken cancellationToken)
    {
        var own = user.FindFirstValue(ApiKeyAuthenticationHandler.WorkspaceClaim);
        if (own is not null)
        {
            if (!string.IsNullOrEmpty(requestedWorkspaceId) && requestedWorkspaceId != own)
            {
                return WorkspaceScope.Refused(Problems.Forbidden(
                    "workspaceId does not match the workspace of this API key; a key acts on its own workspace only."));
            }

            return WorkspaceScope.For(own);
        }

        if (!user.IsInRole(ApiKeyAuthenticationHandler.AdminRole))
        {
            return WorkspaceScope.Refused(Results.Unauthorized());
        }

        if (string.IsNullOrWhiteSpace(requestedWorkspaceId))
        {
            return WorkspaceScope.Refused(Problems.Field("workspaceId", "The admin token must name the workspace it acts on."));
        }

        var exists = await db.Workspaces.AnyAsync(w => w.Id == requestedWorkspaceId, cancellationToken);
        return exists
            ? WorkspaceScope.For(requestedWorkspaceId)
            : WorkspaceScope.Refused(Problems.NotFound($"Workspace '{requestedWorkspaceId}'"));
    }

    /// <summary>The key an Idempotency-Key is scoped to: the workspace, or the admin.</summary>
    public static string IdempotencyScope(ClaimsPrincipal user) =>
        user.FindFirstValue(ApiKeyAuthenticationHandler.WorkspaceClaim) ?? "admin";
}

public readonly record struct WorkspaceScope(string? WorkspaceId, IResult? Error)
{
    public static WorkspaceScope For(string workspaceId) => new(workspaceId, null);

    public static WorkspaceScope Refused(IResult error) => new(null, error);
}

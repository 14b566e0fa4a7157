using Microsoft.AspNetCore.Authorization;

namespace VoiceOrchestrator.Tenancy;

public static class AuthorizationPolicies
{
    /// <summary>A workspace key, or the admin token acting for a workspace named in the request.</summary>
    public const string Workspace = "workspace";

    /// <summary>The admin token only.</summary>
    public const string Admin = "admin";

    public static AuthorizationBuilder AddOrchestratorPolicies(this AuthorizationBuilder builder) => builder
        .AddPolicy(Admin, policy => policy.RequireRole(ApiKeyAuthenticationHandler.AdminRole))
        .AddPolicy(Workspace, policy => policy.RequireAssertion(context =>
            context.User.IsInRole(ApiKeyAuthenticationHandler.AdminRole)
            || context.User.HasClaim(c => c.Type == ApiKeyAuthenticationHandler.WorkspaceClaim)));
}

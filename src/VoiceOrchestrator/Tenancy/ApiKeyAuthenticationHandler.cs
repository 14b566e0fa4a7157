using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Tenancy;

/// <summary>
/// <c>Authorization: Bearer &lt;key&gt;</c>: either the admin token (ORCHESTRATOR_ADMIN_TOKEN) or a
/// workspace API key, found by its digest. Failures answer 401 as problem+json.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptions<OrchestratorOptions> settings,
    OrchestratorDbContext db)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";
    public const string WorkspaceClaim = "workspace_id";
    public const string AdminRole = "admin";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header))
        {
            return AuthenticateResult.NoResult();
        }

        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.Fail("Authorization must be 'Bearer <key>'.");
        }

        var token = header["Bearer ".Length..].Trim();
        if (token.Length == 0 || token.Length > 512)
        {
            return AuthenticateResult.Fail("The bearer token is empty or too long.");
        }

        if (settings.Value.AdminToken is { } adminToken && ApiKeys.TokensEqual(token, adminToken))
        {
            return Success([new Claim(ClaimTypes.Role, AdminRole), new Claim(ClaimTypes.Name, "admin")]);
        }

        var hash = ApiKeys.Hash(token);
        var workspace = await db.Workspaces
            .Where(w => w.ApiKeyHash == hash)
            .Select(w => new { w.Id, w.ApiKeyHash, w.IsActive })
            .FirstOrDefaultAsync(Context.RequestAborted);
        if (workspace is null || !ApiKeys.HashesEqual(workspace.ApiKeyHash, hash))
        {
            return AuthenticateResult.Fail("Unknown API key.");
        }

        if (!workspace.IsActive)
        {
            return AuthenticateResult.Fail("This workspace is disabled.");
        }

        return Success([new Claim(WorkspaceClaim, workspace.Id), new Claim(ClaimTypes.Name, workspace.Id)]);
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        var failure = Context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult?.Failure?.Message;
        await Results.Problem(
            statusCode: StatusCodes.Status401Unauthorized,
            title: "Unauthorized",
            detail: failure ?? "Send 'Authorization: Bearer <API key>'.").ExecuteAsync(Context);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await Results.Problem(
            statusCode: StatusCodes.Status403Forbidden,
            title: "Forbidden",
            detail: "This key may not use this route.").ExecuteAsync(Context);
    }

    private AuthenticateResult Success(Claim[] claims) =>
        AuthenticateResult.Success(new AuthenticationTicket(
            new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));
}

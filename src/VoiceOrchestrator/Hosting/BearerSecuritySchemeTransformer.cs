using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace VoiceOrchestrator.Hosting;

/// <summary>Declares the bearer scheme (workspace API key or admin token) in the OpenAPI document.</summary>
public sealed class BearerSecuritySchemeTransformer : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "VoiceOrchestrator API";
        document.Info.Description = "Outbound AI phone calls through ElevenLabs agents: intake, dispatch, webhooks and reports.";
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes["Bearer"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "A workspace API key, or ORCHESTRATOR_ADMIN_TOKEN for /admin routes and for acting on a workspace named by workspaceId.",
        };
        document.Security ??= [];
        document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("Bearer", document)] = [] });
        return Task.CompletedTask;
    }
}

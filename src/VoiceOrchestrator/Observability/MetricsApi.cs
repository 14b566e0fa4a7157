using Microsoft.Extensions.Options;
using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Tenancy;

namespace VoiceOrchestrator.Observability;

/// <summary><c>GET /metrics</c>: Prometheus text. Open unless METRICS_TOKEN is set, then it wants that bearer token.</summary>
public static class MetricsApi
{
    public static IEndpointRouteBuilder MapMetricsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/metrics", ScrapeAsync)
            .AllowAnonymous()
            .WithTags("Operations")
            .WithSummary("Prometheus metrics: calls by state and workspace, dials, slots, queue depth, provider latency, webhooks, retries, reconciliations, lease holder.")
            .Produces<string>(StatusCodes.Status200OK, "text/plain")
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        return app;
    }

    public static async Task<IResult> ScrapeAsync(HttpContext http, PrometheusExporter exporter, MetricsSnapshot snapshot, IOptions<OrchestratorOptions> options, ILogger<PrometheusExporter> logger, CancellationToken cancellationToken)
    {
        if (options.Value.Operations.MetricsToken is { } token
            && !(http.Request.Headers.Authorization.ToString() is var header && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                 && ApiKeys.TokensEqual(header["Bearer ".Length..].Trim(), token)))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: "Send 'Authorization: Bearer <METRICS_TOKEN>'.");
        }

        try
        {
            await snapshot.RefreshIfStaleAsync(cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // The in-process figures are still worth having when the database is down.
            logger.LogWarning(ex, "Metrics served without fresh database counts");
        }

        return TypedResults.Text(exporter.Scrape(), PrometheusExporter.ContentType);
    }
}

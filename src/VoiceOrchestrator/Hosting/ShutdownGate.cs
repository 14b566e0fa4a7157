using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace VoiceOrchestrator.Hosting;

/// <summary>
/// Intake stops the moment SIGTERM arrives, not when the web server is finally stopped (the host
/// stops the dispatcher first, which can take a while): from then on, routes that take a key answer
/// 503 with <c>Retry-After</c> and close the connection, so that a client or balancer sends the
/// request to another instance, and readiness reports <c>shutting_down</c>. Requests already being
/// handled finish. Webhooks and health stay open: a webhook settles a call, whoever receives it.
/// </summary>
public sealed class ShutdownGate(RequestDelegate next, IHostApplicationLifetime lifetime)
{
    public async Task InvokeAsync(HttpContext http)
    {
        if (lifetime.ApplicationStopping.IsCancellationRequested && http.GetEndpoint() is { } endpoint
            && endpoint.Metadata.GetMetadata<IAllowAnonymous>() is null && endpoint.Metadata.GetMetadata<IAuthorizeData>() is not null)
        {
            http.Response.Headers.RetryAfter = "1";
            http.Response.Headers.Connection = "close";
            await TypedResults.Problem(
                statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "Shutting down",
                detail: "This instance is stopping and takes no new requests; send the request again (another instance will take it).")
                .ExecuteAsync(http);
            return;
        }

        await next(http);
    }
}

/// <summary>Readiness turns unhealthy once the service is stopping.</summary>
public sealed class ShutdownHealthCheck(IHostApplicationLifetime lifetime) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(lifetime.ApplicationStopping.IsCancellationRequested
            ? HealthCheckResult.Unhealthy("shutting_down")
            : HealthCheckResult.Healthy("running"));
}

public static class ShutdownGateExtensions
{
    public static IServiceCollection AddShutdownGate(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<ShutdownHealthCheck>("lifecycle", tags: ["ready"]);
        return services;
    }

    public static IApplicationBuilder UseShutdownGate(this IApplicationBuilder app) => app.UseMiddleware<ShutdownGate>();
}

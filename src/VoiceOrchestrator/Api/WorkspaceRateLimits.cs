using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.RateLimiting;
using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Tenancy;

namespace VoiceOrchestrator.Api;

/// <summary>
/// Per-workspace request limits on the public API: a token bucket per workspace key (the admin
/// token has its own; requests without a key, to routes that need one, share a bucket per client
/// address). Routes open to everyone (webhooks, health, metrics, docs) are never limited: a
/// provider's webhooks must not be refused because a client is busy. Over the limit the answer
/// is 429 problem+json with <c>Retry-After</c>. Limits are per instance.
/// </summary>
public static class WorkspaceRateLimits
{
    public static IServiceCollection AddWorkspaceRateLimits(this IServiceCollection services, OperationsOptions settings)
    {
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = RejectAsync;
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http => Partition(http, settings));
        });
        return services;
    }

    public static IApplicationBuilder UseWorkspaceRateLimits(this IApplicationBuilder app) => app.UseRateLimiter();

    private static RateLimitPartition<string> Partition(HttpContext http, OperationsOptions settings)
    {
        if (settings.RateLimitPerSecond <= 0 || http.GetEndpoint() is not { } endpoint
            || endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null || endpoint.Metadata.GetMetadata<IAuthorizeData>() is null)
        {
            return RateLimitPartition.GetNoLimiter("unlimited");
        }

        var user = http.User;
        var key = user.FindFirst(ApiKeyAuthenticationHandler.WorkspaceClaim)?.Value is { } workspace ? "workspace:" + workspace
            : user.IsInRole(ApiKeyAuthenticationHandler.AdminRole) ? "admin"
            : "address:" + (http.Connection.RemoteIpAddress ?? IPAddress.None);
        return RateLimitPartition.GetTokenBucketLimiter(key, _ => BucketFor(settings));
    }

    private static TokenBucketRateLimiterOptions BucketFor(OperationsOptions settings)
    {
        // Refill ten times a second when the rate allows, so that a client is not made to wait a whole second.
        var period = settings.RateLimitPerSecond >= 10 ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromSeconds(1 / settings.RateLimitPerSecond);
        var perPeriod = settings.RateLimitPerSecond >= 10 ? (int)Math.Round(settings.RateLimitPerSecond / 10) : 1;
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = settings.RateLimitBurst,
            TokensPerPeriod = perPeriod,
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            AutoReplenishment = true,
        };
    }

    private static async ValueTask RejectAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await TypedResults.Problem(
            statusCode: StatusCodes.Status429TooManyRequests,
            title: "Too many requests",
            detail: $"This workspace sent more requests than its limit (RATE_LIMIT_PER_SECOND, RATE_LIMIT_BURST). Try again in {seconds} s.")
            .ExecuteAsync(context.HttpContext);
    }
}
